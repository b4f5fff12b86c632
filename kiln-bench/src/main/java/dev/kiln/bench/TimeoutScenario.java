package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jobs whose process tree ignores SIGTERM, so only the SIGKILL after the grace ends them: how long after their
 * timeout (from the process start) or their cancel request (from the server's {@code job.cancelling} event) they are
 * finished, against the least it can take. Were "< 5 s" in JobRunnerTest and "within grace + 2 s" in CancelIT.
 */
final class TimeoutScenario {
    static final int TIMEOUT_SECONDS = 1;
    static final int GRACE_SECONDS = 1;
    static final String TREE = "trap '' TERM; sleep 30 & sleep 30";
    private final Bench bench;

    TimeoutScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int n = bench.quick() ? 2 : 5;
        bench.startServer(2 * n); // all at once, one slot each
        var timingOut = new ArrayList<String>();
        var cancelled = new ArrayList<String>();
        for (int i = 0; i < n; i++) {
            timingOut.add(bench.submit(Map.of("command", TREE, "timeout_seconds", TIMEOUT_SECONDS, "cancel_grace_seconds", GRACE_SECONDS)).get("id").asText());
            cancelled.add(bench.submit(Map.of("command", TREE, "cancel_grace_seconds", GRACE_SECONDS)).get("id").asText());
        }
        for (String id : cancelled) {
            while (!bench.get("/api/v1/jobs/" + id + "/status").get("status").asText().equals("running")) Thread.sleep(20);
            var r = bench.http().send(bench.request("/api/v1/jobs/" + id + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 && r.statusCode() != 202) throw new IllegalStateException("cancel: " + r.statusCode() + " " + r.body());
        }
        var afterTimeout = finished(timingOut, "timed_out", "job.started");
        var afterCancel = finished(cancelled, "cancelled", "job.cancelling");
        report("timeout", String.format("a %d s timeout", TIMEOUT_SECONDS), "its process started", afterTimeout, TIMEOUT_SECONDS + GRACE_SECONDS);
        report("cancel", "a cancel", "the request", afterCancel, GRACE_SECONDS);
    }

    /** For each job: from the event named {@code from} (its process start for job.started) until it finished. */
    private Stats finished(List<String> ids, String status, String from) throws Exception {
        var took = new Stats();
        for (String id : ids) {
            JsonNode job = bench.awaitDone(id);
            if (!job.get("status").asText().equals(status)) throw new IllegalStateException("job ended " + job.get("status") + ", not " + status);
            long start = 0;
            for (JsonNode e : bench.get("/api/v1/jobs/" + id + "/events").get("events")) {
                if (!e.get("kind").asText().equals(from)) continue;
                start = from.equals("job.started") ? e.get("data").get("process_started_ns").asLong() : e.get("timestamp_ns").asLong();
            }
            Instant end = Instant.parse(job.get("completed_at").asText());
            took.add(end.getEpochSecond() * 1_000_000_000L + end.getNano() - start);
        }
        return took;
    }

    private static void report(String label, String what, String since, Stats took, int leastSeconds) {
        long least = Duration.ofSeconds(leastSeconds).toNanos();
        Bench.report(label, String.format("%s of a tree that ignores SIGTERM (grace %d s): finished p50 %.3f s after %s (max %.3f s, n=%d); "
                        + "the least possible is %d s, so p50 %+.0f ms",
                what, GRACE_SECONDS, took.percentile(50) / 1e9, since, took.max() / 1e9, took.count(), leastSeconds,
                (took.percentile(50) - least) / 1e6));
    }
}
