package dev.kiln.server.builds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.graph.Planner.Configured;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what a definition's {@code config} step printed on stdout: one JSON object keyed by the output refs it was
 * given ({@code KILN_PARTITIONS}), each {@code {"inputs": [refs], "args": [strings], "env": {name: value}}} (each
 * part optional). Anything else is an {@link IllegalArgumentException} saying what is wrong, which fails the build.
 */
final class ConfigOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigOutput() {}

    static Map<String, Configured> parse(String stdout, Collection<String> outputs) {
        JsonNode root;
        try {
            root = JSON.readTree(stdout);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("its stdout is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("its stdout must be one JSON object keyed by output ref, e.g. "
                    + "{\"reports/weekly/week=2026-W45\": {\"inputs\": [...], \"args\": [...], \"env\": {...}}}");
        }
        var out = new LinkedHashMap<String, Configured>();
        for (String ref : outputs) {
            JsonNode c = root.get(ref);
            if (c == null) throw new IllegalArgumentException("its JSON says nothing of '" + ref + "' (a key per output it was given)");
            if (!c.isObject()) throw new IllegalArgumentException("'" + ref + "' must map to an object {inputs, args, env}");
            c.fieldNames().forEachRemaining(f -> {
                if (!List.of("inputs", "args", "env").contains(f)) throw new IllegalArgumentException("'" + ref + "' has an unknown field '" + f + "'; the fields are inputs, args, env");
            });
            var env = new LinkedHashMap<String, String>();
            JsonNode e = c.path("env");
            if (!e.isMissingNode() && !e.isObject()) throw new IllegalArgumentException("'" + ref + "'.env must be an object of strings");
            e.properties().forEach(p -> {
                if (!p.getValue().isTextual()) throw new IllegalArgumentException("'" + ref + "'.env." + p.getKey() + " must be a string");
                env.put(p.getKey(), p.getValue().textValue());
            });
            out.put(ref, new Configured(strings(c, ref, "inputs"), strings(c, ref, "args"), env));
        }
        return out;
    }

    private static List<String> strings(JsonNode c, String ref, String field) {
        JsonNode a = c.path(field);
        if (a.isMissingNode() || a.isNull()) return List.of();
        if (!a.isArray()) throw new IllegalArgumentException("'" + ref + "'." + field + " must be a list of strings");
        var out = new ArrayList<String>();
        for (JsonNode v : a) {
            if (!v.isTextual()) throw new IllegalArgumentException("'" + ref + "'." + field + " must be a list of strings");
            out.add(v.textValue());
        }
        return out;
    }
}
