package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.events.Event;
import dev.kiln.server.http.AgentLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent over its connection's limits is slowed down and reported, and loses no line. */
class AgentLimitsIT {
    @TempDir
    Path dir;

    @Test
    void logsOverTheLimitAreReadMoreSlowlyAndReportedButNoLineIsLost() {
        var limits = new AgentLimits(AgentLimits.MIN_MESSAGES_PER_SECOND, AgentLimits.MIN_LOG_BYTES_PER_SECOND);
        try (var kiln = KilnTestServer.start(dir, 1, limits)) {
            // about 5 s of log frames at the limit (5,000 lines, ~80 bytes each on the wire): several times the burst
            String id = kiln.api.submit(Map.of("command", "seq 1 5000 | sed 's/^/line of the log /'")).get("id").asText();
            JsonNode done = kiln.api.awaitStatus(id, Duration.ofSeconds(90), "succeeded", "failed");
            assertThat(done.get("status").asText()).isEqualTo("succeeded");
            var lines = kiln.api.allLogLines(id, 1).stream().filter(l -> l.get("stream").asText().equals("STDOUT")).toList();
            assertThat(lines).hasSize(5_000);
            for (int i = 0; i < lines.size(); i++) assertThat(lines.get(i).get("text").asText()).isEqualTo("line of the log " + (i + 1));
            var throttled = kiln.server.store().events(0, 10_000).stream().filter(e -> e.kind().equals("agent.throttled")).toList();
            assertThat(throttled).isNotEmpty();
            Event first = throttled.get(0);
            assertThat(first.data()).containsEntry("name", "embedded");
            assertThat(first.data()).containsKey("limit");
        }
    }
}
