package dev.kiln.bench;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.core.Artifact;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.ops.RetentionPolicy;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A data dir of finished jobs (full: 10,000 jobs, ~1 GiB of logs and artifacts; quick: a tenth), their finish times
 * spread over 10 days, pruned at start by a server with {@code --retain-jobs 7d --retain-logs 3d --max-data-size}:
 * the data dir's size on disk before and after, the pass's duration, and the p99 and max of job submissions (each
 * waits for its commit) while the pass deletes.
 */
final class RetentionScenario {
    private static final int LINES_PER_JOB = 800;
    private static final int ARTIFACT_BYTES = 20 * 1024;
    private final Bench bench;

    RetentionScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int jobs = bench.quick() ? 1_000 : 10_000;
        Path dir = Files.createTempDirectory("kiln-bench-retention");
        long t0 = System.nanoTime();
        seed(dir, jobs);
        double seedSecs = (System.nanoTime() - t0) / 1e9;
        long before = du(dir);
        long maxData = before / 5; // what the age limits leave is over this: the size rule deletes too

        var policy = new RetentionPolicy(Duration.ofDays(7), Duration.ofDays(3), null, maxData, Duration.ofHours(1));
        long start = System.nanoTime();
        bench.startServerWith(ServerConfig.defaults(dir).withPort(0).withRetention(policy));
        var submits = new ArrayList<Long>();
        var pruned = new AtomicBoolean(false);
        var load = Thread.ofVirtual().start(() -> {
            while (!pruned.get()) {
                long s = System.nanoTime();
                try {
                    bench.submit(Map.of("command", "true"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                submits.add(System.nanoTime() - s);
            }
        });
        dev.kiln.server.events.Event event = null;
        while (event == null) {
            event = bench.server().store().events(0, 100_000).stream()
                    .filter(e -> e.kind().equals("retention.pruned")).findFirst().orElse(null);
            if (event == null) Thread.sleep(100); // polling the bench's own progress, not a test
        }
        double passSecs = (System.nanoTime() - start) / 1e9; // server start, then the whole pass
        pruned.set(true);
        load.join();
        long remaining = bench.server().store().countByStatus().values().stream().mapToLong(Long::longValue).sum();
        long after = du(dir); // the pass ended with a WAL checkpoint: the files are what they hold
        bench.stopServer(); // deletes the data dir
        var d = event.data();
        Bench.report("retention", String.format(
                "%,d finished jobs seeded in %.0f s; data dir %s -> %s on disk (store+artifacts %s -> %s); deleted %s jobs, "
                        + "%s logs, %s artifacts, %s files; %,d jobs left; start to pruned %.1f s; submit during the pass "
                        + "p99 %s max %s (%d submits)",
                jobs, seedSecs, mib(before), mib(after), mib(((Number) d.get("bytes_before")).longValue()),
                mib(((Number) d.get("bytes_after")).longValue()), d.get("jobs"), d.get("logs"), d.get("artifacts"),
                d.get("files"), remaining, passSecs, Stats.ms(percentile(submits, 0.99)), Stats.ms(percentile(submits, 1.0)),
                submits.size()) + Bench.memory());
    }

    /** Finished jobs, oldest 10 days ago: each with a log of random text and one artifact file of its own. */
    private static void seed(Path dir, int jobs) throws Exception {
        var spec = new JobSpec("seeded", "build", "true", null, null, null, null, null, Map.of(), Map.of(), Map.of(), 0, 60,
                10, RetryPolicy.NONE, List.of(), false);
        Instant now = Instant.now();
        Duration spread = Duration.ofDays(10);
        try (var store = new SqliteStore(dir, new EventBus())) {
            var pending = new ArrayList<CompletableFuture<Object>>();
            for (int i = 0; i < jobs; i++) {
                Instant finished = now.minus(spread.multipliedBy(jobs - i).dividedBy(jobs));
                Job job = Job.newlySubmitted(JobIds.next(), spec, null, finished.minusSeconds(60));
                Job done = job.assigned("bench", finished.minusSeconds(60)).started(finished.minusSeconds(59))
                        .finished(JobStatus.SUCCEEDED, 0, null, finished);
                var lines = new ArrayList<LogLine>(LINES_PER_JOB);
                var random = ThreadLocalRandom.current();
                byte[] bytes = new byte[60];
                for (int n = 0; n < LINES_PER_JOB; n++) {
                    random.nextBytes(bytes);
                    lines.add(new LogLine(n, LogStream.STDOUT, "step " + n + " " + HexFormat.of().formatHex(bytes)));
                }
                byte[] content = new byte[ARTIFACT_BYTES];
                random.nextBytes(content);
                String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
                Path file = dir.resolve("artifacts").resolve(sha.substring(0, 2)).resolve(sha);
                Files.createDirectories(file.getParent());
                Files.write(file, content);
                pending.add(store.write(tx -> {
                    Job stored = tx.insertJob(job);
                    tx.insertAttempt(Attempt.assigned(stored.id(), 1, "bench", finished.minusSeconds(60)));
                    tx.updateJob(done);
                    tx.appendLogChunk(stored.id(), 1, 1, lines);
                    tx.upsertArtifact(new Artifact(stored.id(), 1, "out.bin", ARTIFACT_BYTES, sha, finished));
                    return null;
                }));
                if (pending.size() > 64) pending.remove(0).join();
            }
            pending.forEach(CompletableFuture::join);
        }
    }

    private static long du(Path dir) throws Exception {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (java.io.IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    private static long percentile(List<Long> ns, double p) {
        if (ns.isEmpty()) return 0;
        var sorted = new ArrayList<>(ns);
        sorted.sort(null);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static String mib(long bytes) {
        return String.format("%,.0f MiB", bytes / 1048576.0);
    }
}
