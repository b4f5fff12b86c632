package dev.kiln.server.graph;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into a Jackson tree that remembers where each value stood, so an error can name a line and
 * column. Paths look like {@code jobs.clean.inputs[0]}; an object member's position is that of its key.
 */
record YamlTree(JsonNode root, Map<String, JsonLocation> locations) {
    private static final YAMLFactory YAML = YAMLFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Reads {@code text}; a syntax error or a duplicate key is a {@link GraphFileException} at its position. */
    static YamlTree read(String text) {
        var locations = new HashMap<String, JsonLocation>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) throw new GraphFileException(List.of(new GraphError("", 1, 1, "the file is empty; it needs a 'jobs:' mapping")));
            locations.put("", p.currentTokenLocation());
            JsonNode root = new Reader(p, locations).value("");
            return new YamlTree(root, locations);
        } catch (JsonProcessingException e) {
            throw new GraphFileException(List.of(syntaxError(e)));
        } catch (IOException e) {
            throw new GraphFileException(List.of(new GraphError("", 0, 0, "could not read the YAML: " + e.getMessage())));
        }
    }

    /**
     * Builds the tree. Anchors and aliases ({@code &defaults}, {@code *defaults}) are resolved here, as Jackson's
     * streaming parser reports an alias as a plain string; the number of values, aliases' copies included, is
     * bounded so a "billion laughs" document is an error, not an outage.
     */
    private static final class Reader {
        static final int MAX_VALUES = 100_000;
        private final JsonParser p;
        private final Map<String, JsonLocation> locations;
        private final Map<String, JsonNode> anchors = new HashMap<>();
        private int values;

        Reader(JsonParser p, Map<String, JsonLocation> locations) {
            this.p = p;
            this.locations = locations;
        }

        JsonNode value(String path) throws IOException {
            JsonLocation at = p.currentTokenLocation();
            if (p instanceof YAMLParser yp && yp.isCurrentAlias()) {
                JsonNode anchored = anchors.get(p.getText());
                if (anchored == null) throw fail(path, at, "*" + p.getText() + " names no anchor defined before it (&" + p.getText() + ")");
                count(path, at, size(anchored));
                return anchored.deepCopy();
            }
            String anchor = p.getObjectId() instanceof String name ? name : null;
            count(path, at, 1);
            JsonNode node = switch (p.currentToken()) {
                case START_OBJECT -> {
                    ObjectNode obj = NODES.objectNode();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        String child = path.isEmpty() ? key : path + "." + key;
                        JsonLocation keyAt = p.currentTokenLocation();
                        if (obj.has(key)) throw fail(child, keyAt, "'" + key + "' appears twice here; give each key once");
                        locations.put(child, keyAt);
                        p.nextToken();
                        obj.set(key, value(child));
                    }
                    yield obj;
                }
                case START_ARRAY -> {
                    ArrayNode arr = NODES.arrayNode();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        String child = path + "[" + arr.size() + "]";
                        locations.put(child, p.currentTokenLocation());
                        arr.add(value(child));
                    }
                    yield arr;
                }
                case VALUE_NUMBER_INT -> NODES.numberNode(p.getBigIntegerValue());
                case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue());
                case VALUE_TRUE -> NODES.booleanNode(true);
                case VALUE_FALSE -> NODES.booleanNode(false);
                case VALUE_NULL -> NODES.nullNode();
                default -> NODES.textNode(p.getText());
            };
            if (anchor != null) anchors.put(anchor, node);
            return node;
        }

        private void count(String path, JsonLocation at, int more) {
            values += more;
            if (values > MAX_VALUES) throw fail(path, at, "the document has more than " + MAX_VALUES + " values (aliases' copies included)");
        }

        private static int size(JsonNode n) {
            int total = 1;
            for (JsonNode child : n) total += size(child);
            return total;
        }

        private static GraphFileException fail(String path, JsonLocation at, String message) {
            return new GraphFileException(List.of(new GraphError(path, at.getLineNr(), at.getColumnNr(), message)));
        }
    }

    /** Where {@code path} stood, or its nearest enclosing value that has a position. */
    JsonLocation locate(String path) {
        String p = path;
        while (true) {
            JsonLocation at = locations.get(p);
            if (at != null || p.isEmpty()) return at;
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
    }

    GraphError error(String path, String message) {
        JsonLocation at = locate(path);
        return new GraphError(path, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(), message);
    }

    /**
     * SnakeYAML knows the problem's own position and the construct it was reading; Jackson's location is where its
     * parser stood, often the line before. Both are used, the problem's position first.
     */
    private static GraphError syntaxError(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            Mark context = m.getContextMark();
            String where = m.getContext() == null ? "" : " (" + m.getContext()
                    + (context == null ? "" : " at line " + (context.getLine() + 1) + ", column " + (context.getColumn() + 1)) + ")";
            return new GraphError("", m.getProblemMark().getLine() + 1, m.getProblemMark().getColumn() + 1,
                    "not valid YAML: " + m.getProblem() + where);
        }
        JsonLocation at = e.getLocation();
        return new GraphError("", at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                "not valid YAML: " + firstLine(e.getOriginalMessage()));
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
