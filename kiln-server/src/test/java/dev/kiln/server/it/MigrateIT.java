package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.Migrate;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln migrate}: a SQLite server's jobs, attempts, logs, events, tokens and artifacts copied into PostgreSQL,
 * where a server on the same data dir carries on as if nothing happened; a database already in use is refused.
 */
class MigrateIT {
    @TempDir
    Path dir;

    @Test
    void aSqliteServerMovesToPostgresWithEverything() throws Exception {
        Path data = dir.resolve("data");
        var ids = new ArrayList<String>();
        String token, secretJob, artifactJob, build;
        List<JsonNode> events;
        List<String> log;
        try (var kiln = KilnTestServer.start(data, 2)) {
            for (int i = 0; i < 5; i++) ids.add(kiln.api.submit(Map.of("name", "old-" + i, "command", "seq 1 " + (50 * (i + 1)))).get("id").asText());
            secretJob = kiln.api.submit(Map.of("name", "sealed", "command", "echo $SHH",
                    "secrets", Map.of("SHH", "hush-hush"))).get("id").asText();
            artifactJob = kiln.api.submit(Map.of("name", "builds", "command", "echo built > out.txt",
                    "artifacts", List.of("out.txt"))).get("id").asText();
            ids.add(secretJob);
            ids.add(artifactJob);
            for (String id : ids) kiln.api.awaitStatus(id, Duration.ofSeconds(60), "succeeded");
            token = kiln.api.createToken("ci", "operator");
            // a build request, its partition and the kept counts by status move too
            assertThat(kiln.api.send("PUT", "/api/v1/graph", "application/yaml", """
                    version: 1
                    jobs:
                      make: {outputs: ["out/day={d}"], command: "echo {d}"}
                    """).status()).isEqualTo(200);
            build = kiln.api.post("/api/v1/builds", Map.of("partitions", List.of("out/day=1"))).json().get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> kiln.api.get("/api/v1/builds/" + build).json()
                    .get("status").asText().equals("completed"));
            log = texts(kiln.api.allLogLines(ids.get(4), 1));
            events = jobEvents(kiln.api, artifactJob);
        }

        String database = TestPostgres.newDatabase();
        Migrate.Result result = Migrate.sqliteToPostgres(data, database);
        assertThat(result.of("jobs")).isEqualTo(ids.size() + 1); // and the build's job
        assertThat(result.of("attempts")).isEqualTo(ids.size() + 1);
        assertThat(result.of("builds")).isEqualTo(1);
        assertThat(result.of("partitions")).isEqualTo(1);
        assertThat(result.of("partition_counts")).isEqualTo(4);
        assertThat(result.of("artifacts")).isEqualTo(1);
        assertThat(result.of("events")).isGreaterThanOrEqualTo(ids.size() * 3L); // queued, assigned, started, finished…
        assertThat(result.of("tokens")).isGreaterThanOrEqualTo(2); // the admin token and ci
        assertThat(result.of("log_chunks")).isPositive();

        // the same data dir (secrets.key, artifact files) on PostgreSQL: all there, and it goes on
        try (var kiln = KilnTestServer.start(data, 2, c -> c.withDatabase(database))) {
            for (String id : ids) assertThat(kiln.api.job(id).get("status").asText()).isEqualTo("succeeded");
            assertThat(texts(kiln.api.allLogLines(ids.get(4), 1))).isEqualTo(log).hasSizeGreaterThan(250);
            assertThat(texts(kiln.api.allLogLines(secretJob, 1))).contains("***").doesNotContain("hush-hush");
            assertThat(kiln.api.get("/api/v1/jobs/" + artifactJob + "/artifacts/out.txt").body()).isEqualTo("built\n");
            assertThat(kiln.api.withToken(token).get("/api/v1/jobs").status()).isEqualTo(200);
            assertThat(kiln.api.get("/api/v1/builds/" + build).json().get("status").asText()).isEqualTo("completed");
            JsonNode partitions = kiln.api.get("/api/v1/partitions").json();
            assertThat(partitions.at("/items/0/ref").asText()).isEqualTo("out/day=1");
            assertThat(partitions.at("/counts/available").asLong()).isEqualTo(1);
            // a new build request gets a key after the copied ones (every identity sequence was moved past them)
            assertThat(kiln.api.send("PUT", "/api/v1/graph", "application/yaml", """
                    version: 1
                    jobs:
                      make: {outputs: ["out/day={d}"], command: "echo {d}"}
                    """).status()).isEqualTo(200);
            var second = kiln.api.post("/api/v1/builds", Map.of("partitions", List.of("out/day=2")));
            assertThat(second.status()).as(second.body()).isEqualTo(202);
            String secondBuild = second.json().get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> kiln.api.get("/api/v1/builds/" + secondBuild).json()
                    .get("status").asText().equals("completed"));
            // the copied sealed secret opens with the data dir's key: a re-run gets it back
            String rerun = kiln.api.post("/api/v1/jobs/" + secretJob + "/rerun", "").json().get("id").asText();
            JsonNode again = kiln.api.awaitStatus(rerun, Duration.ofSeconds(60), "succeeded", "failed");
            assertThat(again.get("status").asText()).isEqualTo("succeeded");
            assertThat(texts(kiln.api.allLogLines(rerun, 1))).contains("***");
            assertThat(jobEvents(kiln.api, artifactJob)).isEqualTo(events);
            // new event ids follow the copied ones (the identity sequence was moved past them)
            long newest = events.getLast().get("id").asLong();
            assertThat(jobEvents(kiln.api, rerun).getFirst().get("id").asLong()).isGreaterThan(newest);
        }

        assertThatThrownBy(() -> Migrate.sqliteToPostgres(data, database)).hasMessageContaining("is not empty");
        assertThatThrownBy(() -> Migrate.sqliteToPostgres(dir.resolve("nothing"), database)).hasMessageContaining("no Kiln database");
    }

    private static List<JsonNode> jobEvents(Api api, String id) {
        var out = new ArrayList<JsonNode>();
        api.get("/api/v1/jobs/" + id + "/events").json().get("events").forEach(out::add);
        return out;
    }

    private static List<String> texts(List<JsonNode> lines) {
        return lines.stream().map(l -> l.get("text").asText()).toList();
    }
}
