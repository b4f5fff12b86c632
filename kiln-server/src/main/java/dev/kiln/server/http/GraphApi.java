package dev.kiln.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.graph.Graph;
import dev.kiln.server.graph.GraphRegistry;
import dev.kiln.server.graph.JobDefinition;
import dev.kiln.server.graph.PartitionLookup;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.graph.Planner;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The build graph: {@code GET /api/v1/graph} (the version in force, its definitions and edges, where it came from,
 * the last refused version's errors), {@code PUT} (an admin replaces it with YAML) and {@code POST …/analyze} (the
 * plan for some partitions, without running it).
 */
public final class GraphApi {
    static final List<String> YAML_TYPES = List.of("application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml", "text/plain");
    static final int MAX_ANALYZE_PARTITIONS = 100_000;
    static final String RELOAD_RULE = "the latest wins: a graph put through the API (or taken from another server of "
            + "the same database) stays in force until the file's content changes again; then the file's version replaces it";
    static final String HOW_TO_LOAD = "start the server with --graph kiln.yaml (or with a kiln.yaml in its working "
            + "directory), or PUT the YAML to /api/v1/graph as an admin";

    private final GraphRegistry registry;
    private final PartitionLookup partitions;
    private final ObjectMapper mapper;

    /** {@code partitions}: what is known of partitions (skips and delegations come from it). */
    public GraphApi(GraphRegistry registry, PartitionLookup partitions, ObjectMapper mapper) {
        this.registry = registry;
        this.partitions = partitions;
        this.mapper = mapper;
    }

    void get(Context ctx) {
        ctx.json(view());
    }

    void put(Context ctx) {
        registry.put(Requests.textBody(ctx, YAML_TYPES, "the kiln.yaml content"));
        ctx.json(view());
    }

    void analyze(Context ctx) {
        var request = partitionRequest(ctx, mapper);
        var loaded = registry.current().orElseThrow(GraphApi::noGraph);
        Plan plan = Planner.plan(loaded.graph(), request.refs(), request.force(), partitions);
        ctx.json(plan(plan));
    }

    /** The body of analyze and of a build request: {@code {"partitions": [...], "force": false}}. */
    record PartitionRequest(List<String> refs, boolean force) {}

    static PartitionRequest partitionRequest(Context ctx, ObjectMapper mapper) {
        JsonNode body = Requests.jsonBody(ctx, mapper);
        if (!body.isObject()) throw ApiException.badRequest("send {\"partitions\": [\"reports/daily/date=2026-11-01\"], \"force\": false}");
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("partitions") && !f.equals("force")) throw ApiException.badRequest("unknown field '" + Requests.abbreviate(f) + "'; send partitions and force");
        });
        JsonNode refs = body.get("partitions");
        if (refs == null || !refs.isArray() || refs.isEmpty()) throw ApiException.badRequest("'partitions' must be a non-empty list of partition refs");
        if (refs.size() > MAX_ANALYZE_PARTITIONS) throw ApiException.badRequest("'partitions' has " + refs.size() + " refs, at most " + MAX_ANALYZE_PARTITIONS);
        var list = new ArrayList<String>(refs.size());
        for (int i = 0; i < refs.size(); i++) {
            if (!refs.get(i).isTextual()) throw ApiException.badRequest("partitions[" + i + "] must be a string (a partition ref)");
            list.add(refs.get(i).textValue());
        }
        JsonNode force = body.get("force");
        if (force != null && !force.isNull() && !force.isBoolean()) throw ApiException.badRequest("'force' must be true or false");
        return new PartitionRequest(list, force != null && force.asBoolean());
    }

    static ApiException noGraph() {
        return new ApiException(409, "No build graph", "no build graph is loaded: " + HOW_TO_LOAD);
    }

    private Map<String, Object> view() {
        var m = new LinkedHashMap<String, Object>();
        var loaded = registry.current().orElse(null);
        Graph g = loaded == null ? null : loaded.graph();
        m.put("version", g == null ? null : g.version());
        m.put("version_short", g == null ? null : g.shortVersion());
        m.put("source", loaded == null ? null : loaded.origin().name().toLowerCase());
        m.put("loaded_at", loaded == null ? null : loaded.loadedAt());
        if (loaded != null && loaded.acceptedBy() != null) m.put("accepted_by", loaded.acceptedBy());
        m.put("file", registry.file().map(Object::toString).orElse(null));
        if (registry.file().isPresent()) m.put("reload_rule", RELOAD_RULE);
        if (g == null) m.put("detail", "no build graph is loaded: " + HOW_TO_LOAD);
        m.put("definitions", g == null ? List.of() : g.definitions().stream().map(GraphApi::definition).toList());
        m.put("edges", g == null ? List.of() : g.edges().stream().map(e -> Map.of("from", e.from(), "to", e.to(),
                "input", e.input(), "output", e.output())).toList());
        m.put("last_error", registry.lastFailure().map(f -> Map.of("source", f.origin().name().toLowerCase(),
                "at", f.at(), "errors", f.errors())).orElse(null));
        return m;
    }

    private static Map<String, Object> definition(JobDefinition d) {
        var m = new LinkedHashMap<String, Object>();
        m.put("name", d.name());
        m.put("outputs", d.outputPatterns());
        m.put("inputs", d.inputTemplates());
        m.put("command", d.commandTemplate());
        m.put("placeholders", d.placeholders());
        m.put("batch", d.batch());
        m.put("config", d.config());
        var job = Views.spec(d.job().snapshot());
        if (!d.named()) job.put("name", null); // each planned job is named after its definition and partitions
        m.put("job", job);
        return m;
    }

    private Map<String, Object> plan(Plan p) {
        var m = new LinkedHashMap<String, Object>();
        m.put("graph_version", p.graphVersion());
        m.put("force", p.force());
        m.put("summary", Map.of("jobs", p.jobs().size(),
                "partitions_to_build", p.jobs().stream().mapToInt(j -> j.partitions().size()).sum(),
                "skipped", p.skipped().size(), "delegated", p.delegated().size(),
                "needing_config_step", p.jobs().stream().filter(Plan.PlannedJob::needsConfigStep).count()));
        if (partitions == PartitionLookup.NOTHING_BUILT) {
            m.put("note", "partition history is not stored yet (build requests come later): nothing is skipped or delegated");
        }
        m.put("requested", p.requested().stream().map(r -> {
            var v = new LinkedHashMap<String, Object>();
            v.put("ref", r.ref());
            v.put("definition", r.definition());
            v.put("outcome", r.outcome().name().toLowerCase());
            v.put("job", r.job());
            v.put("build_id", r.buildId());
            return v;
        }).toList());
        m.put("jobs", p.jobs().stream().map(GraphApi::plannedJob).toList());
        m.put("skipped", p.skipped().stream().map(s -> Map.of("ref", s.ref(), "definition", s.definition(), "reason", s.reason())).toList());
        m.put("delegated", p.delegated().stream().map(d -> Map.of("ref", d.ref(), "definition", d.definition(), "build_id", d.buildId())).toList());
        return m;
    }

    private static Map<String, Object> plannedJob(Plan.PlannedJob j) {
        var m = new LinkedHashMap<String, Object>();
        m.put("key", j.key());
        m.put("definition", j.definition());
        m.put("partitions", j.partitions());
        m.put("placeholders", j.placeholders());
        m.put("depends_on", j.dependsOn());
        m.put("waits_for_builds", j.waitsForBuilds());
        m.put("needs_config_step", j.needsConfigStep());
        m.put("config", j.config());
        m.put("job", Views.spec(j.spec().snapshot()));
        return m;
    }
}
