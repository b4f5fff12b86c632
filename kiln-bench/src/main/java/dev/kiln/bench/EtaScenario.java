package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Wait estimates against reality (issue 12, item 6). Accuracy: after a little history, a burst of jobs of three
 * lengths queues behind two slots; each job's estimate, read right after its submit, is compared with the wait it
 * then had (until its {@code job.assigned}), as |error| / actual, next to what the old estimate (the type's mean run
 * time per "round" of slots) would have said. Cost: {@code GET /status} of the last of many queued jobs that all
 * wait for the same two busy slots, which plays the whole queue ahead forward.
 */
final class EtaScenario {
    /** Two workloads, repeated: a mix of the three kinds, and issue 12's case (quick jobs behind long ones). */
    private static final String[] MIXED = {"short", "long", "mid", "short", "mid", "long", "short", "short"};
    private static final String[] BEHIND_LONG = {"long", "long", "short", "short", "short", "short", "short", "short"};
    private static final Map<String, Integer> SECONDS = Map.of("short", 1, "mid", 2, "long", 4);
    private static final int SLOTS = 2;
    private final Bench bench;

    EtaScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int n = bench.quick() ? 8 : 24;
        accuracy("mixed", MIXED, n);
        bench.stopServer();
        accuracy("behind-long", BEHIND_LONG, n);
        bench.stopServer();
        cost(bench.quick() ? 5_000 : 100_000);
    }

    private record Asked(String id, long askedNs, Long estimateS, long oldEstimateS) {}

    private void accuracy(String label, String[] kinds, int n) throws Exception {
        bench.startServer(SLOTS);
        var history = new ArrayList<String>();
        for (String kind : SECONDS.keySet()) {
            for (int i = 0; i < 2; i++) history.add(submit(kind));
        }
        double historySum = 0;
        for (String id : history) historySum += bench.awaitDone(id).get("duration_seconds").asDouble();
        double typeMean = historySum / history.size();

        var asked = new ArrayList<Asked>();
        for (int i = 0; i < n; i++) {
            String id = submit(kinds[i % kinds.length]);
            long at = Bench.wallNs();
            JsonNode q = bench.get("/api/v1/jobs/" + id + "/status").get("queue_info");
            if (q == null || q.isNull()) continue; // went straight to a free slot
            Long estimate = q.get("estimated_wait_seconds").isNumber() ? q.get("estimated_wait_seconds").asLong() : null;
            long ahead = q.get("position").asLong() - 1;
            asked.add(new Asked(id, at, estimate, Math.round((ahead / SLOTS + 1) * typeMean)));
        }
        var errors = new ArrayList<Double>();
        var oldErrors = new ArrayList<Double>();
        int unestimated = 0;
        for (Asked a : asked) {
            bench.awaitDone(a.id());
            double actual = (assignedNs(a.id()) - a.askedNs()) / 1e9;
            if (actual < 0.5) continue; // a wait this short is dispatch latency, not queueing
            if (a.estimateS() == null) {
                unestimated++;
                continue;
            }
            errors.add(Math.abs(a.estimateS() - actual) / actual);
            oldErrors.add(Math.abs(a.oldEstimateS() - actual) / actual);
        }
        Bench.report("eta", String.format("%s: %d jobs (sleep 1/2/4 s) queued behind %d slots: |estimate - actual| / actual "
                        + "median %.0f%%, p90 %.0f%%, max %.0f%% (n=%d, %d without an estimate); the old estimate: median %.0f%%, p90 %.0f%%",
                label, n, SLOTS, 100 * pct(errors, 50), 100 * pct(errors, 90), 100 * pct(errors, 100), errors.size(), unestimated,
                100 * pct(oldErrors, 50), 100 * pct(oldErrors, 90)));
    }

    private void cost(int queued) throws Exception {
        Path dir = Files.createTempDirectory("kiln-bench-eta");
        try (var store = new SqliteStore(dir, new EventBus())) {
            var done = new JobSpec("waiter", "build", "true", null, null, null, null, null, Map.of(), Map.of(), Map.of(),
                    0, 60, 10, RetryPolicy.NONE, List.of(), false);
            var waiting = new JobSpec("waiter", "build", "sleep 60", null, null, null, null, null, Map.of(), Map.of(),
                    Map.of(), 0, 120, 1, RetryPolicy.NONE, List.of(), false);
            ScaleScenario.insert(store, 100, done, true); // a history, so that the estimate is computed
            ScaleScenario.insert(store, queued, waiting, false); // the first two run (a minute), the rest wait
        }
        bench.startServerOn(dir, SLOTS);
        String last = bench.get("/api/v1/jobs?status=queued&limit=1").get("jobs").get(0).get("id").asText();
        String first = bench.get("/api/v1/queue?limit=1").get("head").get(0).get("id").asText();
        JsonNode q = bench.get("/api/v1/jobs/" + last + "/status").get("queue_info");
        Stats atTheHead = timed(first), atTheEnd = timed(last);
        Bench.report("eta-cost", String.format("GET /status behind %d busy slots, of the queue's first job: p50 %s p99 %s; "
                        + "of its last, job %,d of %,d (estimate %s s): p50 %s p99 %s",
                SLOTS, Stats.ms(atTheHead.percentile(50)), Stats.ms(atTheHead.percentile(99)), q.get("position").asInt(),
                queued, q.get("estimated_wait_seconds"), Stats.ms(atTheEnd.percentile(50)), Stats.ms(atTheEnd.percentile(99))));
    }

    private Stats timed(String id) throws Exception {
        for (int i = 0; i < 20; i++) bench.get("/api/v1/jobs/" + id + "/status");
        var stats = new Stats();
        for (int i = 0; i < 200; i++) {
            long t = System.nanoTime();
            bench.get("/api/v1/jobs/" + id + "/status");
            stats.add(System.nanoTime() - t);
        }
        return stats;
    }

    private String submit(String kind) throws Exception {
        return bench.submit(Map.of("name", kind, "command", "sleep " + SECONDS.get(kind))).get("id").asText();
    }

    private long assignedNs(String id) throws Exception {
        long at = 0;
        for (JsonNode e : bench.get("/api/v1/jobs/" + id + "/events").get("events")) {
            if (e.get("kind").asText().equals("job.assigned")) at = e.get("timestamp_ns").asLong();
        }
        return at;
    }

    /** Nearest-rank percentile of ratios. */
    private static double pct(List<Double> values, double p) {
        if (values.isEmpty()) return Double.NaN;
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
