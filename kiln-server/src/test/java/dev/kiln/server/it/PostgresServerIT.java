package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.PostgresUrl;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server on a real PostgreSQL, with its embedded agent: a job runs, its log reads back, a restart keeps it. */
class PostgresServerIT {
    @TempDir
    Path dir;

    @Test
    void aJobRunsOnPostgresAndSurvivesARestart() throws Exception {
        String database = TestPostgres.newDatabase();
        Path data = dir.resolve("data");
        String id;
        List<String> lines;
        try (var kiln = start(data, database)) {
            id = kiln.api.submit(Map.of("name", "on-postgres", "command", "echo one; echo two; echo $SHH",
                    "secrets", Map.of("SHH", "hush-hush"))).get("id").asText();
            JsonNode job = kiln.api.awaitStatus(id, Duration.ofSeconds(30), "succeeded", "failed");
            assertThat(job.get("status").asText()).isEqualTo("succeeded");
            lines = kiln.api.allLogLines(id, 1).stream().map(l -> l.get("text").asText()).toList();
            assertThat(lines).contains("one", "two", "***").doesNotContain("hush-hush");
        }
        // the job is in PostgreSQL, not in a SQLite file of the data dir (which keeps only the secrets key and files)
        assertThat(data.resolve("kiln.db")).doesNotExist();
        assertThat(Files.exists(data.resolve("secrets.key"))).isTrue();
        var url = PostgresUrl.parse(database);
        try (var c = DriverManager.getConnection(url.jdbcUrl(), url.properties());
             var q = c.prepareStatement("SELECT status, secrets FROM jobs WHERE id = ?")) {
            q.setString(1, id);
            try (var rs = q.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("status")).isEqualTo("succeeded");
                assertThat(rs.getString("secrets")).isNotBlank().doesNotContain("hush-hush");
            }
        }

        try (var kiln = start(data, database)) {
            assertThat(kiln.api.job(id).get("status").asText()).isEqualTo("succeeded");
            assertThat(kiln.api.allLogLines(id, 1).stream().map(l -> l.get("text").asText()).toList()).isEqualTo(lines);
            String rerun = kiln.api.post("/api/v1/jobs/" + id + "/rerun", "").json().get("id").asText();
            JsonNode again = kiln.api.awaitStatus(rerun, Duration.ofSeconds(30), "succeeded", "failed");
            assertThat(again.get("status").asText()).isEqualTo("succeeded");
            // the re-run got the sealed secret back from PostgreSQL, and masked it again
            assertThat(kiln.api.allLogLines(rerun, 1).stream().map(l -> l.get("text").asText())).contains("***");
        }
    }

    private static KilnTestServer start(Path data, String database) {
        var kiln = KilnTestServer.start(data, 2, c -> c.withDatabase(database));
        await().atMost(Duration.ofSeconds(20)).until(() -> kiln.api.get("/api/v1/workers").json().get("workers").size() == 1);
        return kiln;
    }
}
