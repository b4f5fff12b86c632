package dev.kiln.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.builds.BuildEngine;
import dev.kiln.server.builds.BuildStatus;
import dev.kiln.server.builds.PartitionStatus;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.events.Event;
import dev.kiln.server.graph.GraphRegistry;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildQuery;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.Page;
import dev.kiln.server.store.PartitionCounts;
import dev.kiln.server.store.PartitionQuery;
import dev.kiln.server.store.PartitionRecord;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Build requests and partitions (seed 000): submit, list, detail, cancel, a build's partitions and events; the
 * partitions' latest states, counts and events; a job definition's run metrics. Every list is a page by a key.
 */
public final class BuildsApi {
    static final int MAX_PAGE = 1000;
    static final int DETAIL_PARTITIONS = 1000;
    /** Counts under a prefix stop here (each status): a count never walks a million rows. */
    static final int COUNT_CAP = 100_000;
    static final int METRIC_RUNS = 100;

    private final BuildEngine engine;
    private final Store store;
    private final GraphRegistry graph;
    private final ObjectMapper mapper;

    public BuildsApi(BuildEngine engine, Store store, GraphRegistry graph, ObjectMapper mapper) {
        this.engine = engine;
        this.store = store;
        this.graph = graph;
        this.mapper = mapper;
    }

    void submit(Context ctx) {
        var request = GraphApi.partitionRequest(ctx, mapper);
        if (graph.current().isEmpty()) throw GraphApi.noGraph();
        var caller = Authenticator.caller(ctx);
        BuildRecord b = engine.submit(request.refs(), request.force(), caller == null ? null : caller.name());
        ctx.status(202).header("Location", "/api/v1/builds/" + b.id()).json(summary(b));
    }

    void list(Context ctx) {
        String status = blankToNull(ctx.queryParam("status"));
        if (status != null) checkStatus(status, java.util.Arrays.stream(BuildStatus.values()).map(BuildStatus::wireName).toList());
        long before = 0;
        String cursor = blankToNull(ctx.queryParam("cursor"));
        if (cursor != null) {
            try {
                before = Long.parseLong(cursor);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("'cursor' must be the next_cursor of a previous page");
            }
        }
        int limit = (int) Requests.longParam(ctx, "limit", 50, 1, MAX_PAGE);
        Page<BuildRecord> page = store.builds(new BuildQuery(status, blankToNull(ctx.queryParam("partition")), before, limit));
        ctx.json(page(page.items().stream().map(BuildsApi::summary).toList(), page.nextCursor()));
    }

    void get(Context ctx) {
        BuildRecord b = build(ctx);
        var m = summary(b);
        List<BuildPartition> partitions = store.buildPartitions(b.id(), null, null, DETAIL_PARTITIONS + 1);
        m.put("partitions", partitions.stream().limit(DETAIL_PARTITIONS).map(BuildsApi::partition).toList());
        m.put("partitions_truncated", partitions.size() > DETAIL_PARTITIONS);
        m.put("jobs", store.buildJobs(b.id()).stream().map(BuildsApi::job).toList());
        m.put("waited_on_by", store.delegatedTo(b.id(), DETAIL_PARTITIONS).stream()
                .map(p -> Map.of("build_id", p.buildId(), "ref", p.ref())).toList());
        ctx.json(m);
    }

    void partitions(Context ctx) {
        BuildRecord b = build(ctx);
        String status = blankToNull(ctx.queryParam("status"));
        if (status != null) checkStatus(status, java.util.Arrays.stream(PartitionStatus.values()).map(PartitionStatus::wireName).toList());
        int limit = (int) Requests.longParam(ctx, "limit", 100, 1, MAX_PAGE);
        List<BuildPartition> rows = store.buildPartitions(b.id(), status, refCursor(ctx), limit + 1);
        String next = rows.size() > limit ? encodeCursor(rows.get(limit - 1).ref()) : null;
        ctx.json(page(rows.stream().limit(limit).map(BuildsApi::partition).toList(), next));
    }

    void events(Context ctx) {
        BuildRecord b = build(ctx);
        eventPage(ctx, (after, limit) -> store.buildEvents(b.id(), after, limit));
    }

    void cancel(Context ctx) {
        BuildRecord b = build(ctx);
        var caller = Authenticator.caller(ctx);
        ctx.status(202).json(summary(engine.cancel(b.id(), caller == null ? null : caller.name())));
    }

    void partitionList(Context ctx) {
        String prefix = ctx.queryParam("prefix");
        String status = blankToNull(ctx.queryParam("status"));
        if (status != null) checkStatus(status, List.of("scheduled", "building", "available", "failed"));
        int limit = (int) Requests.longParam(ctx, "limit", 100, 1, MAX_PAGE);
        Page<PartitionRecord> page = store.partitions(new PartitionQuery(prefix, status, refCursor(ctx), limit));
        PartitionCounts counts = store.partitionCounts(prefix, COUNT_CAP);
        var m = page(page.items().stream().map(BuildsApi::partitionState).toList(),
                page.nextCursor() == null ? null : encodeCursor(page.nextCursor()));
        var c = new LinkedHashMap<String, Object>();
        for (String s : List.of("available", "building", "scheduled", "failed")) c.put(s, counts.counts().getOrDefault(s, 0L));
        m.put("counts", c);
        m.put("counts_capped", counts.capped());
        ctx.json(m);
    }

    void partitionStatus(Context ctx) {
        String ref = ref(ctx);
        PartitionRecord p = store.partitions(List.of(ref)).get(ref);
        if (p != null) {
            ctx.json(partitionState(p));
            return;
        }
        String definition = graph.current().flatMap(l -> l.graph().producerOf(ref))
                .orElseThrow(() -> new NotFoundException("partition '" + ref + "' was never built and no job definition of the "
                        + "graph in force produces it"));
        var m = new LinkedHashMap<String, Object>();
        m.put("ref", ref);
        m.put("status", "missing");
        m.put("definition", definition);
        m.put("build_id", null);
        m.put("job_id", null);
        m.put("updated_at", null);
        ctx.json(m);
    }

    void partitionEvents(Context ctx) {
        String ref = ref(ctx);
        eventPage(ctx, (after, limit) -> store.partitionEvents(ref, after, limit));
    }

    /** Success rate and durations of a definition's most recent runs (at most {@value #METRIC_RUNS}). */
    void jobMetrics(Context ctx) {
        String name = ctx.pathParam("name");
        var loaded = graph.current().orElseThrow(GraphApi::noGraph);
        if (loaded.graph().definitions().stream().noneMatch(d -> d.name().equals(name))) {
            throw new NotFoundException("no job definition '" + Requests.abbreviate(name) + "' in the graph in force");
        }
        List<BuildJob> runs = store.recentBuildJobs(name, METRIC_RUNS);
        var durations = new ArrayList<Long>();
        var recent = new ArrayList<Map<String, Object>>();
        int succeeded = 0;
        int failed = 0;
        for (BuildJob run : runs) {
            Job job = store.job(run.jobId()).orElse(null);
            if (job == null) continue;
            Long ms = job.startedAt() != null && job.finishedAt() != null
                    ? Duration.between(job.startedAt(), job.finishedAt()).toMillis() : null;
            if (job.status().isTerminal()) {
                if (job.status() == dev.kiln.server.core.JobStatus.SUCCEEDED) succeeded++;
                else failed++;
                if (ms != null) durations.add(ms);
            }
            if (recent.size() < 20) {
                var r = new LinkedHashMap<String, Object>();
                r.put("job_id", job.id());
                r.put("build_id", run.buildId());
                r.put("status", job.status().wireName());
                r.put("partitions_count", run.partitions().size());
                r.put("started_at", job.startedAt());
                r.put("duration_ms", ms);
                recent.add(r);
            }
        }
        durations.sort(null);
        var m = new LinkedHashMap<String, Object>();
        m.put("definition", name);
        m.put("runs", succeeded + failed);
        m.put("succeeded", succeeded);
        m.put("failed", failed);
        m.put("success_rate", succeeded + failed == 0 ? null : (double) succeeded / (succeeded + failed));
        var d = new LinkedHashMap<String, Object>();
        d.put("avg", durations.isEmpty() ? null : Math.round(durations.stream().mapToLong(Long::longValue).average().orElse(0)));
        d.put("p50", percentile(durations, 50));
        d.put("p95", percentile(durations, 95));
        d.put("max", durations.isEmpty() ? null : durations.get(durations.size() - 1));
        m.put("duration_ms", d);
        m.put("recent", recent);
        ctx.json(m);
    }

    private static Long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) return null;
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    // ---------------------------------------------------------------- views

    static LinkedHashMap<String, Object> summary(BuildRecord b) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", b.id());
        m.put("status", b.status());
        m.put("force", b.force());
        m.put("graph_version", b.graphVersion());
        m.put("requested_count", b.requestedCount());
        var counts = new LinkedHashMap<String, Object>();
        for (String s : List.of("requested", "scheduled", "building", "available", "failed", "delegated")) {
            counts.put(s, b.counts().getOrDefault(s, 0));
        }
        m.put("counts", counts);
        m.put("jobs_total", b.jobsTotal());
        m.put("jobs_done", b.jobsDone());
        m.put("created_at", b.createdAt());
        m.put("started_at", b.startedAt());
        m.put("ended_at", b.endedAt());
        m.put("duration_ms", b.startedAt() != null && b.endedAt() != null ? Duration.between(b.startedAt(), b.endedAt()).toMillis() : null);
        m.put("reason", b.reason());
        m.put("created_by", b.createdBy());
        return m;
    }

    private static Map<String, Object> partition(BuildPartition p) {
        var m = new LinkedHashMap<String, Object>();
        m.put("ref", p.ref());
        m.put("status", p.status());
        m.put("definition", p.definition());
        m.put("job_id", p.jobId());
        m.put("updated_at", p.updatedAt());
        Map<String, Object> delegation = null;
        if (p.delegationKind() != null) {
            delegation = new LinkedHashMap<>();
            delegation.put("build_id", p.delegatedTo()); // null: a historical maker not known (built before builds were stored)
            delegation.put("kind", p.delegationKind());
        }
        m.put("delegation", delegation);
        return m;
    }

    private static Map<String, Object> job(BuildJob j) {
        var m = new LinkedHashMap<String, Object>();
        m.put("key", j.key());
        m.put("definition", j.definition());
        m.put("job_id", j.jobId());
        m.put("status", j.status());
        m.put("partitions", j.partitions());
        m.put("depends_on", j.dependsOn());
        m.put("config_step", j.configStep());
        m.put("reason", j.reason());
        return m;
    }

    private static Map<String, Object> partitionState(PartitionRecord p) {
        var m = new LinkedHashMap<String, Object>();
        m.put("ref", p.ref());
        m.put("status", p.status());
        m.put("definition", p.definition());
        m.put("build_id", p.buildId());
        m.put("job_id", p.jobId());
        m.put("updated_at", p.updatedAt());
        return m;
    }

    // ---------------------------------------------------------------- parameters

    private interface EventReader {
        List<Event> read(long after, int limit);
    }

    private static void eventPage(Context ctx, EventReader reader) {
        long after = Requests.longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
        int limit = (int) Requests.longParam(ctx, "limit", 200, 1, MAX_PAGE);
        List<Event> events = reader.read(after, limit + 1);
        String next = events.size() > limit ? Long.toString(events.get(limit - 1).id()) : null;
        ctx.json(page(events.stream().limit(limit).map(Views::event).toList(), next));
    }

    private static LinkedHashMap<String, Object> page(List<?> items, String next) {
        var m = new LinkedHashMap<String, Object>();
        m.put("items", items);
        m.put("next_cursor", next);
        return m;
    }

    private BuildRecord build(Context ctx) {
        String id = ctx.pathParam("id");
        return store.build(id).orElseThrow(() -> new NotFoundException("no build with id '" + Requests.abbreviate(id) + "'"));
    }

    /** The {@code <ref>} of the path: decoded once by the server, so a {@code %2F} in it is a {@code /} of the ref. */
    private static String ref(Context ctx) {
        String ref = ctx.pathParam("ref");
        if (ref.isEmpty()) throw ApiException.badRequest("the path names no partition ref; URL-encode it, '/' as %2F");
        return ref;
    }

    /** Ref cursors travel base64url-encoded: a ref may hold any character. */
    private static String encodeCursor(String ref) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(ref.getBytes(StandardCharsets.UTF_8));
    }

    private static String refCursor(Context ctx) {
        String cursor = blankToNull(ctx.queryParam("cursor"));
        if (cursor == null) return null;
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'cursor' must be the next_cursor of a previous page");
        }
    }

    /** A status filter names one of {@code allowed}, else 400 listing them. */
    private static void checkStatus(String status, List<String> allowed) {
        if (!allowed.contains(status)) throw ApiException.badRequest("'status' must be one of " + String.join(", ", allowed) + ", not '" + Requests.abbreviate(status) + "'");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
