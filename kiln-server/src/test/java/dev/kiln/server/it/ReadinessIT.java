package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health/ready}: 200 with its checks when ready; 503 naming what is wrong when not. */
class ReadinessIT {
    @TempDir
    Path dir;

    @Test
    void readyWithEveryCheckAndNotReadyNamingTheSchemaAnotherVersionLeft() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1)) {
            Api anonymous = new Api(kiln.server.baseUrl());
            org.awaitility.Awaitility.await().until(() -> anonymous.get("/health/ready").status() == 200);
            JsonNode ready = anonymous.get("/health/ready").json();
            assertThat(ready.get("status").asText()).isEqualTo("ready");
            assertThat(ready.get("checks").fieldNames()).toIterable().containsExactly("store", "migrations", "agents", "graph", "timers");
            // alone on its SQLite database, a server always runs the cluster-wide timers
            assertThat(ready.at("/checks/timers/detail").asText()).startsWith("this server runs the cluster-wide timers");
            assertThat(ready.at("/checks/migrations/detail").asText()).startsWith("schema version ");
            assertThat(ready.at("/checks/agents/detail").asText()).isEqualTo("1 agent(s) online");

            // a newer Kiln migrated this database behind the server's back: this server's queries may no longer fit
            try (var db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/kiln.db"))) {
                db.createStatement().execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, "
                        + "script, checksum, installed_by, execution_time, success) VALUES (999, '999', 'from the future', 'SQL', "
                        + "'V999__x.sql', 0, 'test', 0, 1)");
            }
            var notReady = anonymous.get("/health/ready");
            assertThat(notReady.status()).isEqualTo(503);
            JsonNode body = notReady.json();
            assertThat(body.get("status").asText()).isEqualTo("not_ready");
            assertThat(body.at("/checks/store/ok").asBoolean()).isTrue();
            assertThat(body.at("/checks/migrations/ok").asBoolean()).isFalse();
            assertThat(body.at("/checks/migrations/detail").asText()).contains("schema version 999").contains("this server needs");
        }
    }

    @Test
    void notReadyWhileTheEmbeddedAgentIsNotConnected() {
        try (var kiln = KilnTestServer.start(dir.resolve("data2"), 1, c -> c)) {
            Api api = kiln.api;
            org.awaitility.Awaitility.await().until(() -> api.get("/health/ready").status() == 200);
            api.post("/api/v1/workers/" + api.get("/api/v1/workers").json().at("/workers/0/id").asText() + "/disable", "");
            var r = api.get("/health/ready");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().at("/checks/agents/detail").asText()).contains("embedded agent is not online");
        }
    }

    @Test
    void aGraphFileThatDoesNotLoadKeepsTheServerNotReadyAndSaysWhere() throws Exception {
        var file = dir.resolve("kiln.yaml");
        java.nio.file.Files.writeString(file, "jobs:\n  report:\n    outputs: [\"r/{d}\"]\n"); // no command
        try (var kiln = KilnTestServer.start(dir.resolve("data3"), 1, c -> c.withGraphFile(file))) {
            Api api = kiln.api;
            org.awaitility.Awaitility.await().until(() -> api.get("/health/ready").json().at("/checks/agents/ok").asBoolean());
            var r = api.get("/health/ready");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().at("/checks/graph/detail").asText()).contains("kiln.yaml did not load: line ");

            java.nio.file.Files.writeString(file, "jobs:\n  report:\n    outputs: [\"r/{d}\"]\n    command: ./report.sh {d}\n");
            org.awaitility.Awaitility.await().until(() -> api.get("/health/ready").status() == 200);
            assertThat(api.get("/health/ready").json().at("/checks/graph/detail").asText()).startsWith("version ");
        }
    }
}
