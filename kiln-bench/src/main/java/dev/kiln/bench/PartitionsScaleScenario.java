package dev.kiln.bench;

import static dev.kiln.server.events.Event.data;

import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.PartitionRecord;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * With 1,000,000 partitions and 100,000 build requests in the store (each build made 10 partitions with one job; one
 * build in 100 failed, so its partitions are failed), seeded through the store's write path in bulk as
 * {@link ScaleScenario} does, with their events (received, completed or failed, a partition.status per partition):
 * p99 of the partition and build reads the API serves. Each call asks for another partition or build, so no answer
 * is the one before it again. Issue 13's budget: each under 100 ms.
 */
final class PartitionsScaleScenario {
    static final int PER_BUILD = 10, BATCH = 1_000;
    static final String GRAPH = """
            jobs:
              report: {outputs: ["reports/day={d}/part={p}"], command: "./report.sh {d} {p}"}
            """;

    private final Bench bench;

    PartitionsScaleScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int builds = bench.quick() ? 5_000 : 100_000;
        Path dir = Files.createTempDirectory("kiln-bench-partitions");
        long t0 = System.nanoTime();
        var ids = new ArrayList<String>(builds);
        try (var store = new SqliteStore(dir, new EventBus())) {
            var futures = new ArrayList<CompletableFuture<Object>>();
            for (int first = 0; first < builds; first += BATCH) {
                int from = first, to = Math.min(builds, first + BATCH);
                List<String> batchIds = IntStream.range(from, to).mapToObj(i -> UUID.randomUUID().toString()).toList();
                ids.addAll(batchIds);
                futures.add(store.write(tx -> {
                    Instant now = Instant.now();
                    for (int i = from; i < to; i++) seed(tx, batchIds.get(i - from), i, now);
                    return null;
                }));
                if (futures.size() > 4) futures.remove(0).join();
            }
            futures.forEach(CompletableFuture::join);
        }
        double seedSecs = (System.nanoTime() - t0) / 1e9;
        bench.startServerOn(dir, null);
        bench.server().graph().put(GRAPH);

        int partitions = builds * PER_BUILD;
        var n = new AtomicInteger();
        // a different partition and build each call, spread over the whole store
        java.util.function.IntFunction<String> ref = k -> ref((int) ((k * 7919L) % partitions));
        java.util.function.IntFunction<String> build = k -> ids.get((int) ((k * 7919L) % builds));
        var r = new StringBuilder(String.format("%,d partitions, %,d builds (seeded in %.0f s):", partitions, builds, seedSecs));
        r.append(" partitions ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/partitions?limit=50"))));
        r.append(" prefix ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/partitions?limit=50&prefix="
                + enc("reports/day=" + (n.incrementAndGet() % (partitions / 1000)) + "/")))));
        r.append(" prefix-all ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/partitions?limit=50&prefix=reports/"))));
        r.append(" status-failed ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/partitions?limit=50&status=failed"))));
        r.append(" builds ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/builds?limit=50"))));
        r.append(" builds-failed ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/builds?limit=50&status=failed"))));
        r.append(" builds-of-partition ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/builds?limit=50&partition="
                + enc(ref.apply(n.incrementAndGet()))))));
        r.append(" partition-status ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/partitions/"
                + enc(ref.apply(n.incrementAndGet())) + "/status"))));
        r.append(" partition-events ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/partitions/"
                + enc(ref.apply(n.incrementAndGet())) + "/events"))));
        r.append(" build-detail ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/builds/" + build.apply(n.incrementAndGet())))));
        r.append(" build-events ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/builds/" + build.apply(n.incrementAndGet()) + "/events"))));
        r.append(" build-partitions ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/builds/"
                + build.apply(n.incrementAndGet()) + "/partitions"))));
        // the floor: an endpoint that reads nothing of this, for how slow the shared machine is during the run
        r.append(" | floor (GET /api/v1/graph) ").append(Stats.ms(ScaleScenario.p99(() -> bench.get("/api/v1/graph"))));
        r.append(" (p99 of 200 each)");
        Bench.report("partitions-scale", r + Bench.memory());
    }

    /** Partition k: 1,000 parts a day, so a day's prefix holds 1,000 and {@code reports/} all of them. */
    static String ref(int k) {
        return "reports/day=" + (k / 1000) + "/part=" + (k % 1000);
    }

    /** Build {@code i} as the engine leaves it: made partitions 10·i … 10·i+9 with one job; one in 100 failed. */
    private static void seed(dev.kiln.server.store.StoreTx tx, String id, int i, Instant now) {
        boolean failed = i % 100 == 99;
        String status = failed ? "failed" : "available";
        String jobId = UUID.randomUUID().toString();
        List<String> refs = IntStream.range(i * PER_BUILD, (i + 1) * PER_BUILD).mapToObj(PartitionsScaleScenario::ref).toList();
        tx.insertBuild(new BuildRecord(id, 0, failed ? "failed" : "completed", false, "bench", refs, PER_BUILD, Map.of(status, PER_BUILD),
                1, 1, now, now, now, failed ? "job report#1 failed: exit code 1" : null, "admin", false));
        tx.upsertBuildJob(new BuildJob(id, 0, "report#1", "report", jobId, failed ? "failed" : "succeeded", refs, List.of(),
                List.of(), false, null, null, now));
        tx.appendEvent(Event.draft(null, "build.received", data("build_id", id, "status", "received")));
        for (String ref : refs) {
            tx.upsertBuildPartition(new BuildPartition(id, ref, status, "report", "report#1", jobId, null, null, now));
            tx.upsertPartition(new PartitionRecord(ref, status, "report", id, jobId, now, failed ? null : now));
            tx.appendEvent(Event.draft(null, "partition.status", data("build_id", id, "ref", ref, "status", status, "job_id", jobId)));
        }
        tx.appendEvent(Event.draft(null, "build." + (failed ? "failed" : "completed"), data("build_id", id, "status", failed ? "failed" : "completed")));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
