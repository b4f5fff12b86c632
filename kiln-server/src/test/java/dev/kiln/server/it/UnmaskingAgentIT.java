package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.protocol.ServerMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's last line of defence: an agent that reports a job's secret in clear (a modified or broken agent) —
 * in a log line, an output, a custom event, a finish's error — still has it masked before it is stored or shown.
 */
class UnmaskingAgentIT {
    static final String SECRET = "hunter2-from-a-careless-agent";

    @TempDir
    Path dir;

    /** Speaks the agent protocol by hand and answers the first assignment by echoing its secret everywhere. */
    static final class CarelessAgent implements WebSocket.Listener {
        final CompletableFuture<JobAssignment> assigned = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    if (Json.MAPPER.readValue(partial.toString(), ServerMessage.class) instanceof ServerMessage.Assign a) {
                        assigned.complete(a.job());
                    }
                } catch (JsonProcessingException e) {
                    assigned.completeExceptionally(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        static void send(WebSocket ws, AgentMessage m) throws Exception {
            ws.sendText(Json.MAPPER.writeValueAsString(m), true).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void whatAnAgentReportsInClearIsMaskedByTheServer() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1)) {
            Api api = kiln.api;
            var agent = new CarelessAgent();
            WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .header("Authorization", "Bearer " + api.createToken("careless", "agent"))
                    .buildAsync(URI.create(kiln.server.baseUrl().replace("http", "ws") + "/api/v1/agent/ws"), agent)
                    .get(10, TimeUnit.SECONDS);
            CarelessAgent.send(ws, new AgentMessage.Hello("careless-1", "careless", Map.of(), 1, "test", List.of()));
            String id = api.submit(Map.of("command", "true", "server_id", "careless", "secrets", Map.of("S", SECRET)))
                    .get("id").asText();

            JobAssignment job = agent.assigned.get(30, TimeUnit.SECONDS);
            String s = job.secrets().get("S");
            assertThat(s).isEqualTo(SECRET);
            CarelessAgent.send(ws, new AgentMessage.JobStarted(id, job.attempt(), 1, System.nanoTime()));
            CarelessAgent.send(ws, new AgentMessage.JobOutput(id, job.attempt(), s, "value " + s));
            CarelessAgent.send(ws, new AgentMessage.JobEvent(id, job.attempt(), s, Map.of("kind", s, s, List.of("in " + s)),
                    System.nanoTime()));
            CarelessAgent.send(ws, new AgentMessage.Log(id, job.attempt(), 1,
                    List.of(new LogLine(System.nanoTime(), LogStream.STDOUT, "plain " + s))));
            CarelessAgent.send(ws, new AgentMessage.JobFinished(id, job.attempt(), 1, null,
                    AgentMessage.FinishReason.EXITED, "failed with " + s, 1, System.nanoTime()));

            var ended = api.awaitStatus(id, Duration.ofSeconds(30), "failed");
            assertThat(ended.toString()).doesNotContain(SECRET).contains("failed with ***");
            assertThat(ended.get("outputs").get("***").asText()).isEqualTo("value ***");
            assertThat(api.get("/api/v1/jobs/" + id + "/logs.txt").body()).doesNotContain(SECRET).contains("plain ***");
            assertThat(api.get("/api/v1/jobs/" + id + "/events").body()).doesNotContain(SECRET).contains("in ***");
            ws.abort();
        }
    }
}
