package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.KilnServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kiln server}'s flags on a real server (port 0): the embedded agent is there, or not, as they say. */
class ServerFlagsIT {
    @TempDir
    Path dir;

    static KilnServer start(String... args) {
        var command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.start();
    }

    JsonNode workers(KilnServer server) throws Exception {
        String token = Files.readString(dir.resolve("data/admin-token")).strip();
        var request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/workers"))
                .header("Authorization", "Bearer " + token).build();
        var response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body()).get("workers");
    }

    @Test
    void noEmbeddedAgentStartsAServerWithoutAnAgent() throws Exception {
        try (KilnServer server = start("--port", "0", "--data-dir", dir.resolve("data").toString(), "--no-embedded-agent")) {
            assertThat(server.baseUrl()).startsWith("http://127.0.0.1:");
            assertThat(workers(server)).isEmpty();
        }
    }

    @Test
    void metricsBindServesMetricsWithoutATokenOnItsOwnPort() throws Exception {
        try (KilnServer server = start("--port", "0", "--data-dir", dir.resolve("data").toString(), "--no-embedded-agent",
                "--metrics-bind", "127.0.0.1:0")) {
            assertThat(server.metricsPort()).isPositive().isNotEqualTo(server.port());
            var http = HttpClient.newHttpClient();
            var scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("# TYPE kiln_agents gauge");
            // on the API's own port, /metrics still wants a token
            var api = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(api.statusCode()).isEqualTo(401);
        }
    }

    @Test
    void theEmbeddedAgentTakesItsNameCapacityAndLabelsFromTheFlags() throws Exception {
        try (KilnServer server = start("--port", "0", "--data-dir", dir.resolve("data").toString(), "--embedded-agent",
                "--agent-name", "box", "--agent-capacity", "2", "--agent-labels", "zone=a")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(workers(server)).singleElement()
                    .satisfies(w -> {
                        assertThat(w.get("name").asText()).isEqualTo("box");
                        assertThat(w.get("capacity").asInt()).isEqualTo(2);
                        assertThat(w.get("labels").get("zone").toString()).contains("a");
                    }));
        }
    }
}
