package dev.kiln.bench;

import dev.kiln.server.core.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Trivial jobs submitted by several clients, all persisted with logs, as a ratio to the bare spawn rate. */
final class ThroughputScenario {
    private final Bench bench;

    ThroughputScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int n = bench.quick() ? 300 : 5000;
        double bareRate = bareSpawnRate(Math.max(n, 500), bench.cores());
        // "Sustained" means after warm-up: until the JIT has compiled the job path (a JFR recording shows C2 busy for
        // the first ~40 s of a fresh JVM), a rate measures the compiler as much as Kiln.
        int warmUp = bench.quick() ? 200 : 2000;
        for (String command : List.of("true", "echo one line")) {
            bench.startServer(null);
            runJobs(command, warmUp, warmUp);
            double secs = runJobs(command, n, warmUp + n);
            double rate = n / secs;
            Bench.report("throughput", String.format("'%s' %.0f jobs/s (n=%d after %d warm-up, 8 clients, capacity %d); bare spawn %.0f/s; ratio %.0f%%%s",
                    command, rate, n, warmUp, bench.cores(), bareRate, 100 * rate / bareRate, Bench.memory()));
            bench.stopServer();
        }
    }

    /** Submits {@code n} jobs from 8 clients; returns the seconds until {@code succeededTotal} jobs have succeeded. */
    private double runJobs(String command, int n, int succeededTotal) throws Exception {
        var pool = Executors.newFixedThreadPool(8);
        var submitted = new AtomicInteger();
        long start = System.nanoTime();
        for (int c = 0; c < 8; c++) {
            pool.submit(() -> {
                while (submitted.getAndIncrement() < n) bench.submit(Map.of("command", command, "type", "tp"));
                return null;
            });
        }
        while (bench.server().store().countByStatus().getOrDefault(JobStatus.SUCCEEDED, 0L) < succeededTotal) Thread.sleep(50);
        double secs = (System.nanoTime() - start) / 1e9;
        pool.shutdownNow();
        return secs;
    }

    /** The machine's limit: spawning the same process from Java with the same concurrency, no Kiln in between. */
    static double bareSpawnRate(int n, int concurrency) throws Exception {
        var pool = Executors.newFixedThreadPool(concurrency);
        var left = new AtomicInteger(n);
        long start = System.nanoTime();
        var futures = new ArrayList<java.util.concurrent.Future<?>>();
        for (int c = 0; c < concurrency; c++) {
            futures.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    Process p = new ProcessBuilder("setsid", "bash", "-c", "true").start();
                    p.getInputStream().readAllBytes();
                    p.waitFor();
                }
                return null;
            }));
        }
        for (var f : futures) f.get();
        pool.shutdown();
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
