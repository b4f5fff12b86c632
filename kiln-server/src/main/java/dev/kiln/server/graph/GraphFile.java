package dev.kiln.server.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.ValidationException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a kiln.yaml into a {@link Graph}, strictly: every problem is reported at once, each with its line, column
 * and what to fix (unknown fields, missing outputs or command, a placeholder no output defines, a bad regex, an
 * output pattern two definitions share, batch out of range, and the job fields' own rules).
 *
 * <pre>
 * version: 1
 * jobs:
 *   clean:
 *     outputs: ["clean/events/date={date}"]
 *     inputs: ["raw/events/date={date}"]
 *     command: ./clean.sh {date}
 *     batch: 31            # up to 31 outputs per job
 *     config: ./conf.sh    # dynamic configuration (planned as a separate step)
 *     labels: {arch: x86_64}   # and any job field: env, retry, timeout_seconds, source_repository…
 * </pre>
 */
public final class GraphFile {
    /** The job fields' parser: {@code jobs.JobSpecParser::parse} in the server (graph sits beside jobs, not above). */
    @FunctionalInterface
    public interface JobFields {
        JobSpec parse(JsonNode fields);
    }

    public static final int MAX_BATCH = 366;
    public static final String PARTITIONS_ENV = "KILN_PARTITIONS";
    static final Set<String> GRAPH_FIELDS = Set.of("outputs", "inputs", "command", "batch", "config");
    private static final Pattern DEFINITION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final YamlTree tree;
    private final JobFields jobFields;
    private final List<GraphError> errors = new ArrayList<>();

    private GraphFile(YamlTree tree, JobFields jobFields) {
        this.tree = tree;
        this.jobFields = jobFields;
    }

    /** The graph {@code yaml} describes; a {@link GraphFileException} listing every problem if it is broken. */
    public static Graph parse(String yaml, JobFields jobFields) {
        return new GraphFile(YamlTree.read(yaml), jobFields).graph();
    }

    private Graph graph() {
        JsonNode root = tree.root();
        if (!root.isObject()) throw new GraphFileException(List.of(tree.error("", "the file must be a mapping with 'version: 1' and 'jobs:'")));
        root.fieldNames().forEachRemaining(f -> {
            if (!f.equals("version") && !f.equals("jobs")) error(f, "unknown field; the top level has 'version' and 'jobs'");
        });
        JsonNode version = root.get("version");
        if (version != null && !(version.isIntegralNumber() && version.asInt() == 1)) error("version", "must be 1 (the only format so far)");
        JsonNode jobs = root.get("jobs");
        var definitions = new ArrayList<JobDefinition>();
        if (jobs == null || !jobs.isObject() || jobs.isEmpty()) {
            error(jobs == null ? "" : "jobs", "needs a 'jobs:' mapping of job definitions by name, e.g. jobs: {clean: {outputs: [\"clean/{date}\"], command: ./clean.sh {date}}}");
        } else {
            jobs.fields().forEachRemaining(e -> {
                JobDefinition d = definition(e.getKey(), e.getValue());
                if (d != null) definitions.add(d);
            });
        }
        checkOutputsAreUnique(definitions);
        if (!errors.isEmpty()) {
            errors.sort(Comparator.comparingInt(GraphError::line).thenComparingInt(GraphError::column));
            throw new GraphFileException(errors);
        }
        return Graph.of(definitions, versionOf(root));
    }

    private JobDefinition definition(String name, JsonNode node) {
        String at = "jobs." + name;
        if (!DEFINITION_NAME.matcher(name).matches()) {
            error(at, "is not a valid definition name: use letters, digits, '_', '.' or '-' (at most 64)");
            return null;
        }
        if (!node.isObject()) {
            error(at, "must be a mapping with outputs and command");
            return null;
        }
        int before = errors.size();
        List<PartitionPattern> outputs = outputs(at, node.get("outputs"));
        Set<String> defined = outputs.isEmpty() ? null : outputs.get(0).template().names();
        List<Template> inputs = new ArrayList<>();
        JsonNode in = node.get("inputs");
        if (in != null && !in.isNull()) {
            if (!in.isArray()) error(at + ".inputs", "must be a list of partition templates, e.g. [\"raw/events/date={date}\"]");
            else for (int i = 0; i < in.size(); i++) {
                Template t = template(at + ".inputs[" + i + "]", in.get(i), defined);
                if (t != null) inputs.add(t);
            }
        }
        Template command = null;
        if (!node.hasNonNull("command")) error(at, "has no 'command': the shell script that makes its outputs, e.g. ./clean.sh {date}");
        else command = template(at + ".command", node.get("command"), defined);
        int batch = batch(at, node.get("batch"));
        String config = config(at, node.get("config"));
        JobSpec job = jobFields(at, (ObjectNode) node, defined);
        if (errors.size() > before || command == null || job == null) return null;
        return new JobDefinition(name, outputs, inputs, command, batch, config, job, node.hasNonNull("name"));
    }

    private List<PartitionPattern> outputs(String at, JsonNode n) {
        var out = new ArrayList<PartitionPattern>();
        if (n == null || n.isNull() || (n.isArray() && n.isEmpty())) {
            error(at, "has no 'outputs': list the partition patterns it produces, e.g. outputs: [\"clean/events/date={date}\"]");
            return out;
        }
        if (!n.isArray()) {
            error(at + ".outputs", "must be a list of partition patterns, e.g. [\"clean/events/date={date}\"]");
            return out;
        }
        for (int i = 0; i < n.size(); i++) {
            String field = at + ".outputs[" + i + "]";
            JsonNode v = n.get(i);
            if (!v.isTextual() || v.textValue().isBlank() || v.textValue().chars().anyMatch(Character::isWhitespace)) {
                error(field, "must be a partition pattern without blanks (a string such as \"clean/events/date={date}\")");
                continue;
            }
            try {
                var p = PartitionPattern.parse(v.textValue());
                if (!out.isEmpty() && !p.template().names().equals(out.get(0).template().names())) {
                    error(field, "names the placeholders " + braces(p.template().names()) + " but outputs[0] names "
                            + braces(out.get(0).template().names()) + "; one run makes all outputs, so they name the same placeholders");
                }
                out.add(p);
            } catch (Template.SyntaxException e) {
                error(field, e.getMessage());
            }
        }
        return out;
    }

    /** An input or command template; every placeholder it uses must be defined by the outputs. */
    private Template template(String field, JsonNode v, Set<String> defined) {
        if (!v.isTextual() || v.textValue().isBlank()) {
            error(field, "must be a non-empty string");
            return null;
        }
        try {
            Template t = Template.parse(v.textValue(), false);
            if (defined != null) {
                for (String name : t.names()) {
                    if (!defined.contains(name)) {
                        error(field, "uses {" + name + "}, which no output pattern defines (the outputs define "
                                + (defined.isEmpty() ? "no placeholders" : braces(defined)) + ")");
                    }
                }
            }
            return t;
        } catch (Template.SyntaxException e) {
            error(field, e.getMessage());
            return null;
        }
    }

    private int batch(String at, JsonNode n) {
        if (n == null || n.isNull()) return 1;
        if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > MAX_BATCH) {
            error(at + ".batch", "must be a whole number from 1 to " + MAX_BATCH + " (outputs per job), not " + n.asText());
            return 1;
        }
        return n.asInt();
    }

    private String config(String at, JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (!n.isTextual() || n.textValue().isBlank()) {
            error(at + ".config", "must be the command that configures the job at planning time, e.g. ./configure.sh");
            return null;
        }
        return n.textValue();
    }

    /** The job fields (all but the graph's own), through the job parser, its errors placed in the file. */
    private JobSpec jobFields(String at, ObjectNode node, Set<String> placeholders) {
        ObjectNode fields = node.deepCopy();
        fields.remove(GRAPH_FIELDS);
        fields.set("command", node.get("command") == null ? fields.textNode("true") : node.get("command"));
        JobSpec spec = null;
        try {
            spec = jobFields.parse(fields);
        } catch (ValidationException e) {
            for (var fe : e.errors()) {
                if (fe.field().equals("command")) continue; // checked above, as a template
                int known = fe.message().indexOf("known fields are ");
                String message = fe.message().startsWith("unknown field") && known >= 0
                        ? "unknown field; a definition has outputs, inputs, command, batch, config and the job fields ("
                          + fe.message().substring(known + "known fields are ".length()) + ")"
                        : fe.message();
                error(at + "." + fe.field(), message);
            }
        }
        if (spec == null) return null;
        for (String key : spec.env().keySet()) reserved(at + ".env." + key, key, placeholders);
        for (String key : spec.secrets().keySet()) reserved(at + ".secrets." + key, key, placeholders);
        return spec;
    }

    /** A job's env carries its placeholders and {@value #PARTITIONS_ENV}; a definition may not set them itself. */
    private void reserved(String field, String key, Set<String> placeholders) {
        if (key.equals(PARTITIONS_ENV)) error(field, "is set by Kiln (the job's partitions); use another name");
        else if (placeholders != null && placeholders.contains(key)) error(field, "is set by Kiln from the placeholder {" + key + "}; use another name");
    }

    private void checkOutputsAreUnique(List<JobDefinition> definitions) {
        var seen = new HashMap<String, String>();
        for (JobDefinition d : definitions) {
            for (int i = 0; i < d.outputs().size(); i++) {
                String where = "jobs." + d.name() + ".outputs[" + i + "]";
                String first = seen.putIfAbsent(d.outputs().get(i).shape(), where);
                if (first != null) {
                    error(where, "is the same pattern as " + first + "; exactly one definition may produce a partition");
                }
            }
        }
    }

    private void error(String field, String message) {
        errors.add(tree.error(field, message));
    }

    private static String braces(Set<String> names) {
        var out = new LinkedHashSet<String>();
        names.forEach(n -> out.add("{" + n + "}"));
        return String.join(", ", out);
    }

    /** SHA-256 of the content with keys sorted: the same graph written differently has the same version. */
    private static String versionOf(JsonNode root) {
        try {
            Object plain = CANONICAL.treeToValue(root, Object.class);
            return HexFormat.of().formatHex(sha256(CANONICAL.writeValueAsString(plain).getBytes(StandardCharsets.UTF_8)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
