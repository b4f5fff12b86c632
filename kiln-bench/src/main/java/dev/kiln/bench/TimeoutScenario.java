package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;

/**
 * A job past its timeout whose process tree ignores SIGTERM: how long after it started is it finished, against the
 * timeout plus the grace it is given before SIGKILL (the least it can take). Was a "< 5 s" assertion in JobRunnerTest.
 */
final class TimeoutScenario {
    static final int TIMEOUT_SECONDS = 1;
    static final int GRACE_SECONDS = 1;
    private final Bench bench;

    TimeoutScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int n = bench.quick() ? 2 : 5;
        bench.startServer(n); // all at once, one slot each
        var ids = new ArrayList<String>();
        for (int i = 0; i < n; i++) {
            ids.add(bench.submit(Map.of("command", "trap '' TERM; sleep 30 & sleep 30",
                    "timeout_seconds", TIMEOUT_SECONDS, "cancel_grace_seconds", GRACE_SECONDS)).get("id").asText());
        }
        var took = new Stats();
        for (String id : ids) {
            JsonNode job = bench.awaitDone(id);
            if (!job.get("status").asText().equals("timed_out")) throw new IllegalStateException("job ended " + job.get("status"));
            long spawned = 0;
            for (JsonNode e : bench.get("/api/v1/jobs/" + id + "/events").get("events")) {
                if (e.get("kind").asText().equals("job.started")) spawned = e.get("data").get("process_started_ns").asLong();
            }
            Instant finished = Instant.parse(job.get("completed_at").asText());
            took.add(finished.getEpochSecond() * 1_000_000_000L + finished.getNano() - spawned);
        }
        long least = Duration.ofSeconds(TIMEOUT_SECONDS + GRACE_SECONDS).toNanos();
        Bench.report("timeout", String.format("a %d s timeout on a tree that ignores SIGTERM (grace %d s): finished p50 %.3f s after its process "
                        + "started (max %.3f s, n=%d); timeout + grace = %d s, so p50 %+.0f ms",
                TIMEOUT_SECONDS, GRACE_SECONDS, took.percentile(50) / 1e9, took.max() / 1e9, n, TIMEOUT_SECONDS + GRACE_SECONDS,
                (took.percentile(50) - least) / 1e6));
    }
}
