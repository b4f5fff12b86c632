package dev.kiln.bench;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** With many queued and finished jobs in the store: the pages and endpoints people use, each p99. */
final class ScaleScenario {
    private final Bench bench;

    ScaleScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int queued = bench.quick() ? 5_000 : 100_000;
        int finished = bench.quick() ? 50_000 : 1_000_000;
        Path dir = Files.createTempDirectory("kiln-bench-scale");
        long t0 = System.nanoTime();
        try (var store = new SqliteStore(dir, new EventBus())) {
            var spec = new JobSpec("seed", "build", "true", null, null, null, null, null, Map.of("pool", "nobody"), Map.of(),
                    Map.of(), 0, 60, 10, RetryPolicy.NONE, List.of(), false);
            var doneSpec = new JobSpec("done", "build", "true", null, null, null, null, null, Map.of(), Map.of(), Map.of(),
                    0, 60, 10, RetryPolicy.NONE, List.of(), false);
            insert(store, finished, doneSpec, true);
            insert(store, queued, spec, false);
        }
        double seedSecs = (System.nanoTime() - t0) / 1e9;
        bench.startServerOn(dir, null);
        String someJob = bench.get("/api/v1/jobs?status=queued&limit=1").get("jobs").get(0).get("id").asText();
        String logged = bench.submit(Map.of("command", "seq 1 5000")).get("id").asText();
        bench.awaitDone(logged);
        var results = new StringBuilder(String.format("%,d queued + %,d finished (seeded in %.0f s):", queued, finished, seedSecs));
        results.append(" submit ").append(Stats.ms(p99(() -> bench.submit(Map.of("command", "true", "labels", Map.of("pool", "nobody"))))));
        results.append(" list ").append(Stats.ms(p99(() -> bench.get("/api/v1/jobs?limit=50"))));
        // by a label the queued jobs have, and by one no job has (the worst case for a filter that scans)
        results.append(" list-label ").append(Stats.ms(p99(() -> bench.get("/api/v1/jobs?label=pool=nobody&limit=50"))));
        results.append(" list-label-none ").append(Stats.ms(p99(() -> bench.get("/api/v1/jobs?label=arch=arm64&limit=50"))));
        results.append(" queue ").append(Stats.ms(p99(() -> bench.get("/api/v1/queue"))));
        results.append(" status ").append(Stats.ms(p99(() -> bench.get("/api/v1/jobs/" + someJob + "/status"))));
        results.append(" logs ").append(Stats.ms(p99(() -> bench.get("/api/v1/jobs/" + logged + "/logs?after=2500&limit=1000"))));
        results.append(" (p99 of 200 each)");
        Bench.report("scale", results + Bench.memory());
    }

    static void insert(SqliteStore store, int n, JobSpec spec, boolean finished) {
        int batch = 10_000;
        var futures = new ArrayList<CompletableFuture<Object>>();
        for (int done = 0; done < n; done += batch) {
            int size = Math.min(batch, n - done);
            futures.add(store.write(tx -> {
                Instant now = Instant.now();
                for (int i = 0; i < size; i++) {
                    Job job = Job.newlySubmitted(JobIds.next(), spec, null, now);
                    tx.insertJob(finished ? job.assigned("bench", now).started(now).finished(JobStatus.SUCCEEDED, 0, null, now) : job);
                }
                return null;
            }));
            if (futures.size() > 4) futures.remove(0).join();
        }
        futures.forEach(CompletableFuture::join);
    }

    @FunctionalInterface
    interface Call {
        Object call() throws Exception;
    }

    static long p99(Call call) throws Exception {
        for (int i = 0; i < 20; i++) call.call();
        var stats = new Stats();
        for (int i = 0; i < 200; i++) {
            long t = System.nanoTime();
            call.call();
            stats.add(System.nanoTime() - t);
        }
        return stats.percentile(99);
    }
}
