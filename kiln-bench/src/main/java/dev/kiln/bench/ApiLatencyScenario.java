package dev.kiln.bench;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** GET a job and its status at a fixed rate against a health baseline; latency from each request's scheduled time. */
final class ApiLatencyScenario {
    private final Bench bench;

    ApiLatencyScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        bench.startChild(bench.cores()); // the driver in a process of its own
        String id = bench.submit(Map.of("command", "seq 1 100")).get("id").asText();
        bench.awaitDone(id);
        int rate = 1000;
        int seconds = bench.quick() ? 2 : 10;
        // baseline: the cheapest endpoint there is, at the same rate, tells this machine's HTTP floor in this run
        for (String path : List.of("/health/live", "/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/status")) {
            openLoop(path, rate, 2); // warm up at the measured rate: the JIT and the connection pool settle first
            var stats = openLoop(path, rate, seconds);
            Bench.report("api", String.format("GET %s at %d req/s: %s%s", path.replace(id, "{id}"), rate, stats.summary(), bench.childMemory()));
        }
    }

    private Stats openLoop(String path, int rate, int seconds) throws Exception {
        var stats = new Stats();
        long interval = 1_000_000_000L / rate;
        int total = rate * seconds;
        var done = new CountDownLatch(total);
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                pool.submit(() -> {
                    try {
                        var r = bench.http().send(bench.request(path).build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) stats.add(System.nanoTime() - due);
                    } catch (Exception e) {
                        // counted as missing
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await(60, TimeUnit.SECONDS);
        }
        return stats;
    }
}
