package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL restarts under a running server: writes fail plainly (503, naming the database) while it is down, and
 * once it is back the writer has a new connection, so jobs are submitted and run again without restarting Kiln.
 */
class PostgresRestartIT {
    @TempDir
    Path dir;

    @Test
    void theWriterReconnectsAfterPostgresRestarts() throws Exception {
        int port = freePort();
        Path pgData = dir.resolve("pg");
        EmbeddedPostgres pg = startPostgres(pgData, port);
        try {
            createDatabase(pg);
            String database = "postgresql://postgres@localhost:" + port + "/kiln";
            try (var kiln = KilnTestServer.start(dir.resolve("data"), 2, c -> c.withDatabase(database))) {
                String before = kiln.api.submit(Map.of("name", "before", "command", "echo before")).get("id").asText();
                assertThat(kiln.api.awaitStatus(before, Duration.ofSeconds(30), "succeeded", "failed").get("status").asText())
                        .isEqualTo("succeeded");

                pg.close(); // stops PostgreSQL (its data directory is kept): the writer's connection dies with it
                var refused = kiln.api.post("/api/v1/jobs", Map.of("name", "while-down", "command", "echo nope"));
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.json().get("detail").asText()).contains("PostgreSQL", "not committed");

                pg = startPostgres(pgData, port);
                // the writer reconnects on its own: a submit is accepted again and the job runs through
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                        kiln.api.post("/api/v1/jobs", Map.of("name", "probe", "command", "true")).status() == 201);
                String after = kiln.api.submit(Map.of("name", "after", "command", "echo after")).get("id").asText();
                assertThat(kiln.api.awaitStatus(after, Duration.ofSeconds(30), "succeeded", "failed").get("status").asText())
                        .isEqualTo("succeeded");
                assertThat(kiln.api.allLogLines(after, 1).stream().map(l -> l.get("text").asText())).contains("after");
                assertThat(kiln.api.job(before).get("status").asText()).isEqualTo("succeeded");
            }
        } finally {
            pg.close();
        }
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("fsync", "off").start();
    }

    private static void createDatabase(EmbeddedPostgres pg) throws SQLException {
        try (var c = pg.getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("CREATE DATABASE kiln");
        }
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
