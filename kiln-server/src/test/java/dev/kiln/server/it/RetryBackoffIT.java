package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries wait out their backoff: the server does not start the next attempt before the not-before time it decided
 * (asserted on the attempts' recorded times, which is behaviour, not a timing), a waiting retry says so in its
 * status, and a restart keeps the wait.
 */
class RetryBackoffIT {
    @TempDir
    Path dir;

    @Test
    void attemptsAreAtLeastTheBackoffApartAndTheEventsSayHowLong() {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2)) {
            String id = kiln.api.submit(Map.of("command", "exit 1",
                    "retry", Map.of("limit", 2, "backoff_seconds", 1))).get("id").asText();
            JsonNode done = kiln.api.awaitStatus(id, Duration.ofSeconds(30), "failed");
            JsonNode attempts = done.get("attempts");
            assertThat(attempts).hasSize(3);
            List<JsonNode> retrying = events(kiln.api, id, "job.retrying");
            assertThat(retrying).hasSize(2);
            for (int retry = 1; retry <= 2; retry++) {
                long floorMs = 1000L << (retry - 1); // 1 s, then 2 s
                JsonNode data = retrying.get(retry - 1).get("data");
                assertThat(data.get("delay_ms").asLong()).as("retry %d's delay", retry)
                        .isGreaterThanOrEqualTo(floorMs).isLessThan(2 * floorMs);
                Instant notBefore = Instant.parse(data.get("not_before").asText());
                Instant ended = Instant.parse(attempts.get(retry - 1).get("finished_at").asText());
                Instant next = Instant.parse(attempts.get(retry).get("created_at").asText());
                assertThat(next).as("attempt %d is assigned no earlier than its not-before time", retry + 1)
                        .isAfterOrEqualTo(notBefore);
                assertThat(Duration.between(ended, next)).as("gap before attempt %d", retry + 1)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(floorMs));
            }
            assertThat(kiln.api.allLogLines(id, 1)).anySatisfy(l -> assertThat(l.get("text").asText())
                    .matches("\\[kiln\\] retry 1 of 2 in \\d\\.\\d s"));
        }
    }

    @Test
    void aWaitingRetrySaysWhenItGoesAndARestartKeepsTheWait() {
        Path data = dir.resolve("data");
        String id;
        String notBefore;
        try (var kiln = KilnTestServer.start(data, 2)) {
            id = kiln.api.submit(Map.of("command", "exit 1", "retry", Map.of("limit", 3, "backoff_seconds", 600)))
                    .get("id").asText();
            JsonNode queueInfo = awaitRetryWaiting(kiln.api, id);
            var message = java.util.regex.Pattern.compile("retry 1 of 3 in (\\d+) s")
                    .matcher(queueInfo.get("waiting_reason").get("message").asText());
            assertThat(message.matches()).as(queueInfo.toString()).isTrue();
            assertThat(Long.parseLong(message.group(1))).as("seconds left of a 600-1200 s backoff").isBetween(590L, 1200L);
            notBefore = queueInfo.get("not_before").asText();
            assertThat(queueInfo.get("estimated_wait_seconds").asLong()).isGreaterThanOrEqualTo(590);
        }
        try (var kiln = KilnTestServer.start(data, 2)) {
            JsonNode queueInfo = awaitRetryWaiting(kiln.api, id);
            assertThat(queueInfo.get("not_before").asText()).as("the same wait after a restart").isEqualTo(notBefore);
            assertThat(kiln.api.job(id).get("attempts")).as("no attempt started early").hasSize(1);

            var cancel = kiln.api.post("/api/v1/jobs/" + id + "/cancel", "");
            assertThat(cancel.status()).isEqualTo(200);
            assertThat(kiln.api.allLogLines(id, 1)).last().satisfies(l -> {
                assertThat(l.get("stream").asText()).isEqualTo("SYSTEM");
                assertThat(l.get("text").asText()).startsWith("[kiln] Build cancelled by user");
            });
        }
    }

    private static JsonNode awaitRetryWaiting(Api api, String id) {
        var info = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode q = api.get("/api/v1/jobs/" + id + "/status").json().get("queue_info");
            info[0] = q;
            return q != null && !q.isNull() && q.get("waiting_reason").get("code").asText().equals("retry_backoff");
        });
        return info[0];
    }

    static List<JsonNode> events(Api api, String id, String kind) {
        var out = new ArrayList<JsonNode>();
        api.get("/api/v1/jobs/" + id + "/events").json().get("events").forEach(e -> {
            if (e.get("kind").asText().equals(kind)) out.add(e);
        });
        return out;
    }
}
