package dev.kiln.bench;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The shape of an 8-hour soak, shortened: a steady mix of jobs (most trivial, some printing a thousand lines, some
 * failing), a dashboard-like client on the global stream, and reads of jobs and logs, for a few minutes against a
 * server in its own process. Every 15 s the server's RSS and its heap after a full GC are sampled; the verdict compares
 * the last third of the run with the middle third, so the JIT's and caches' warm-up is not taken for a leak.
 */
final class SoakScenario {
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(15);
    private final Bench bench;

    SoakScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        Duration length = Duration.ofSeconds(Integer.getInteger("kiln.bench.soakSeconds", 150));
        ServerChild server = bench.startChild(bench.cores());
        var stream = Thread.ofPlatform().daemon().name("soak-stream").start(this::watchStream);
        var load = Executors.newScheduledThreadPool(4);
        // ~20 jobs/s: a tenth of what the server sustains, so the soak measures memory, not saturation
        for (int c = 0; c < 4; c++) load.scheduleAtFixedRate(this::oneJob, c * 50L, 200, TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        var rss = new ArrayList<Long>();
        var heap = new ArrayList<Long>();
        var row = new StringBuilder();
        while (System.nanoTime() - start < length.toNanos()) {
            Thread.sleep(SAMPLE_EVERY.toMillis());
            String m = bench.childMemory(); // "  [server rss N MiB, heap after GC M MiB]"
            var numbers = m.replaceAll("[^0-9 ]", " ").trim().split("\\s+");
            rss.add(Long.parseLong(numbers[0]));
            heap.add(Long.parseLong(numbers[1]));
            row.append(String.format(" %ds:%s/%s", (System.nanoTime() - start) / 1_000_000_000L, numbers[0], numbers[1]));
        }
        load.shutdownNow();
        load.awaitTermination(10, TimeUnit.SECONDS);
        stream.interrupt();
        long jobs = bench.succeeded();
        Bench.report("soak", String.format("%d s, %d jobs succeeded (plus failing ones), 1 stream client; rss/heap-after-GC MiB every %d s:%s",
                length.toSeconds(), jobs, SAMPLE_EVERY.toSeconds(), row));
        Bench.report("", "  " + verdict("rss", rss) + "; " + verdict("heap after GC", heap) + "; idle after the load "
                + bench.childMemory().trim());
    }

    /** Middle third's mean against last third's mean: a leak keeps climbing, a warm-up flattens. */
    static String verdict(String what, List<Long> samples) {
        int third = Math.max(1, samples.size() / 3);
        double middle = samples.subList(third, Math.min(samples.size(), 2 * third)).stream().mapToLong(Long::longValue).average().orElse(0);
        double last = samples.subList(samples.size() - third, samples.size()).stream().mapToLong(Long::longValue).average().orElse(0);
        return String.format("%s middle third %.0f → last third %.0f MiB (%+.0f%%)", what, middle, last, middle == 0 ? 0 : 100 * (last - middle) / middle);
    }

    private void oneJob() {
        try {
            int kind = ThreadLocalRandom.current().nextInt(20);
            String command = switch (kind) {
                case 0 -> "seq 1 1000";
                case 1 -> "echo failing; exit 3";
                default -> "echo one line";
            };
            String id = bench.submit(Map.of("command", command, "type", "soak-" + (kind < 2 ? kind : 2))).get("id").asText();
            if (kind == 0) {
                bench.awaitDone(id);
                bench.get("/api/v1/jobs/" + id + "/logs");
            }
        } catch (Exception e) {
            if (!(e instanceof InterruptedException)) System.err.println("soak: " + e);
        }
    }

    /** A dashboard tab: the global event stream, read and dropped. */
    private void watchStream() {
        try {
            var r = bench.http().send(bench.request("/api/v1/stream").header("Accept", "text/event-stream")
                    .timeout(Duration.ofHours(9)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        } catch (Exception e) {
            // the scenario ended
        }
    }
}
