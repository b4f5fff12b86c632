package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 001, test 9: a job cancelled while queued says so in its log, and who cancelled it. */
class QueuedCancelIT {
    @TempDir
    Path dir;

    @Test
    void cancellingAQueuedJobLogsASystemLineNamingTheCaller() {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1)) {
            String blocker = kiln.api.submit(Map.of("command", "sleep 60")).get("id").asText();
            kiln.api.awaitStatus(blocker, Duration.ofSeconds(20), "running");
            String queued = kiln.api.submit(Map.of("command", "make")).get("id").asText();
            Api bot = kiln.api.withToken(kiln.api.createToken("release-bot", "operator"));

            var cancel = bot.post("/api/v1/jobs/" + queued + "/cancel", "");
            assertThat(cancel.status()).isEqualTo(200);
            assertThat(cancel.json().get("status").asText()).isEqualTo("cancelled");

            JsonNode logs = kiln.api.get("/api/v1/jobs/" + queued + "/logs").json();
            assertThat(logs.get("total_lines").asLong()).isEqualTo(1);
            JsonNode line = logs.get("lines").get(0);
            assertThat(line.get("stream").asText()).isEqualTo("SYSTEM");
            assertThat(line.get("text").asText()).isEqualTo("[kiln] Build cancelled by user (release-bot)");
            assertThat(line.get("timestamp").asText()).isNotBlank();
            assertThat(kiln.api.get("/api/v1/jobs/" + queued + "/logs.txt").body())
                    .isEqualTo("[kiln] Build cancelled by user (release-bot)\n");
            List<JsonNode> cancelled = RetryBackoffIT.events(kiln.api, queued, "job.cancelled");
            assertThat(cancelled).singleElement().satisfies(e -> assertThat(e.get("data").get("by").asText()).isEqualTo("release-bot"));

            kiln.api.post("/api/v1/jobs/" + blocker + "/cancel", "");
        }
    }
}
