package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers on one PostgreSQL share the build graph: a version put through one is in force on the others within
 * seconds (and plans their builds), a broken one reaches none, and a server started later takes the newest version
 * rather than bring back its own file's older content.
 */
class SharedGraphIT {
    static final String ONE = "jobs:\n  raw:\n    outputs: [\"raw/d={d}\"]\n    command: echo raw {d}\n";
    static final String TWO = ONE + "  report:\n    outputs: [\"report/d={d}\"]\n    inputs: [\"raw/d={d}\"]\n"
            + "    command: echo report {d}\n";
    static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aGraphPutThroughOneServerIsInForceOnTheOthers() throws Exception {
        String database = TestPostgres.newDatabase();
        Path file = Files.writeString(dir.resolve("kiln.yaml"), ONE);
        Path dataA = dir.resolve("a"), dataB = dir.resolve("b"), dataC = dir.resolve("c");
        try (var a = KilnTestServer.start(dataA, 2, c -> c.withDatabase(database).withGraphFile(file))) {
            KilnTestServer.shareSecretsKey(dataA, dataB);
            KilnTestServer.shareSecretsKey(dataA, dataC);
            try (var b = KilnTestServer.startWithoutAgent(dataB, c -> c.withDatabase(database))) {
                String one = graph(a).get("version").asText();
                assertThat(graph(b).get("version").asText()).as("b, without a file, starts with a's").isEqualTo(one);
                assertThat(graph(b).get("source").asText()).isEqualTo("database");

                var put = a.api.send("PUT", "/api/v1/graph", "application/yaml", TWO);
                assertThat(put.status()).as(put.body()).isEqualTo(200);
                String two = put.json().get("version").asText();
                await().atMost(WITHIN).until(() -> graph(b).get("version").asText().equals(two));
                JsonNode onB = graph(b);
                assertThat(onB.get("source").asText()).isEqualTo("database");
                assertThat(onB.get("accepted_by").asText()).contains(dataA.toString()).endsWith("(api)");
                assertThat(onB.get("definitions")).extracting(d -> d.get("name").asText()).containsExactly("raw", "report");

                // a build requested through b is planned with the version put through a
                var build = b.api.post("/api/v1/builds", Map.of("partitions", List.of("report/d=1")));
                assertThat(build.status()).as(build.body()).isEqualTo(202);
                JsonNode planned = b.api.get("/api/v1/builds/" + build.json().get("id").asText()).json();
                assertThat(planned.get("graph_version").asText()).isEqualTo(two);

                // a broken version is refused on a and never reaches b
                var broken = a.api.send("PUT", "/api/v1/graph", "application/yaml", TWO + "    batch: 0\n");
                assertThat(broken.status()).isEqualTo(400);
                assertThat(graph(a).get("version").asText()).isEqualTo(two);
                await().during(Duration.ofSeconds(3)).atMost(WITHIN)
                        .until(() -> graph(b).get("version").asText().equals(two) && graph(b).get("last_error").isNull());
            }
            // c starts with the same file as a: its content was accepted before, so the newer put is in force on c
            try (var c = KilnTestServer.startWithoutAgent(dataC, cfg -> cfg.withDatabase(database).withGraphFile(file))) {
                JsonNode onC = graph(c);
                assertThat(onC.get("definitions")).extracting(d -> d.get("name").asText()).containsExactly("raw", "report");
                assertThat(onC.get("source").asText()).isEqualTo("database");
                assertThat(onC.get("reload_rule").asText()).contains("another server");
            }
        }
    }

    private static JsonNode graph(KilnTestServer server) {
        return server.api.get("/api/v1/graph").json();
    }
}
