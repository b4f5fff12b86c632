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
            JsonNode root = value(p, "", locations);
            return new YamlTree(root, locations);
        } catch (JsonProcessingException e) {
            throw new GraphFileException(List.of(syntaxError(e)));
        } catch (IOException e) {
            throw new GraphFileException(List.of(new GraphError("", 0, 0, "could not read the YAML: " + e.getMessage())));
        }
    }

    private static JsonNode value(JsonParser p, String path, Map<String, JsonLocation> locations) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode obj = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    String child = path.isEmpty() ? key : path + "." + key;
                    JsonLocation at = p.currentTokenLocation();
                    if (obj.has(key)) {
                        throw new GraphFileException(List.of(new GraphError(child, at.getLineNr(), at.getColumnNr(),
                                "'" + key + "' appears twice here; give each key once")));
                    }
                    locations.put(child, at);
                    p.nextToken();
                    obj.set(key, value(p, child, locations));
                }
                yield obj;
            }
            case START_ARRAY -> {
                ArrayNode arr = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    String child = path + "[" + arr.size() + "]";
                    locations.put(child, p.currentTokenLocation());
                    arr.add(value(p, child, locations));
                }
                yield arr;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> NODES.numberNode(p.getBigIntegerValue());
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDecimalValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> NODES.textNode(p.getText());
        };
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
