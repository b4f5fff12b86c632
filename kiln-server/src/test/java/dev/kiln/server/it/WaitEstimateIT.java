package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 6 on a scripted workload: a quick job queued behind two long ones that fill the agent's slots waits
 * for the long ones to end. The estimate must see that (their expected remaining time, from their own history), where
 * the old one took the mean of all recent runs of the type — mostly quick ones — and said about a second.
 */
class WaitEstimateIT {
    static final int LONG_SECONDS = 4;

    @TempDir
    Path dir;

    @Test
    void aJobBehindTwoLongRunningOnesIsEstimatedFromTheirRemainingTime() {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2)) {
            Api api = kiln.api;
            // history: two runs of the long job, six of the quick one, all of type build
            var history = new ArrayList<String>();
            for (int i = 0; i < 2; i++) history.add(api.submit(Map.of("name", "long", "command", "sleep " + LONG_SECONDS)).get("id").asText());
            for (int i = 0; i < 6; i++) history.add(api.submit(Map.of("name", "quick", "command", "true")).get("id").asText());
            var durations = new ArrayList<Double>();
            for (String id : history) durations.add(api.awaitStatus(id, Duration.ofSeconds(60), "succeeded").get("duration_seconds").asDouble());

            String a = api.submit(Map.of("name", "long", "command", "sleep " + LONG_SECONDS)).get("id").asText();
            String b = api.submit(Map.of("name", "long", "command", "sleep " + LONG_SECONDS)).get("id").asText();
            api.awaitStatus(a, Duration.ofSeconds(20), "running");
            api.awaitStatus(b, Duration.ofSeconds(20), "running");
            String waiting = api.submit(Map.of("name", "quick", "command", "true")).get("id").asText();
            Instant asked = Instant.now();
            JsonNode queueInfo = api.get("/api/v1/jobs/" + waiting + "/status").json().get("queue_info");
            assertThat(queueInfo.isNull()).as("the agent's two slots are taken: the job waits").isFalse();
            long estimate = queueInfo.get("estimated_wait_seconds").asLong();
            assertThat(queueInfo.get("estimate_basis").asText()).isEqualTo("2 similar runs");
            assertThat(queueInfo.get("estimate_text").asText()).isEqualTo("~" + estimate + " s, based on 2 similar runs");

            api.awaitStatus(waiting, Duration.ofSeconds(30), "succeeded");
            Instant assigned = Instant.parse(RetryBackoffIT.events(api, waiting, "job.assigned").get(0).get("timestamp").asText());
            double actual = Duration.between(asked, assigned).toMillis() / 1000.0;

            assertThat(Math.abs(estimate - actual)).as("estimate %d s against a real wait of %.2f s", estimate, actual)
                    .isLessThanOrEqualTo(0.5 * actual);
            // what the old estimate said: one "round" of the mean run time of the type, quick runs included
            double oldEstimate = Math.round(durations.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
            assertThat(Math.abs(oldEstimate - actual)).as("the old estimate, %.0f s, was far off", oldEstimate)
                    .isGreaterThan(0.5 * actual);
        }
    }

}
