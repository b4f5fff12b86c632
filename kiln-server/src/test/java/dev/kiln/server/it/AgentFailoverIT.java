package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers on one PostgreSQL, a remote agent listing both. The first server is killed with -9 while the agent runs
 * a job it was given there: the agent moves to the second, which takes the job over from the database, and the job
 * ends succeeded with every line of its log exactly once (the chunks the dead server had not acknowledged resent).
 */
class AgentFailoverIT {
    static final int LINES = 400;
    static final String PRINTER = "for i in $(seq 1 " + LINES + "); do echo \"line $i\"; sleep 0.01; done";

    @TempDir
    Path dir;

    @Test
    void theAgentFailsOverAndItsJobCarriesOn() throws Exception {
        String database = TestPostgres.newDatabase();
        Path dataA = dir.resolve("a"), dataB = dir.resolve("b");
        try (var a = ServerProcess.launch(dataA, 0, 3, 6, 0, database)) {
            KilnTestServer.shareSecretsKey(dataA, dataB);
            try (var b = ServerProcess.launch(dataB, 0, 3, 6, 0, database)) {
                // a token made on server a is valid on b too: one database
                String token = a.api().createToken("failover", "agent");
                Process agent = AgentProcess.launch(a.baseUrl() + "," + b.baseUrl(), token, "failover", "", 1,
                        dir.resolve("agent"));
                try {
                    await().atMost(Duration.ofSeconds(30)).until(() -> connected(a.api()) == 1);
                    String id = a.api().submit(Map.of("name", "carries-on", "command", PRINTER)).get("id").asText();
                    a.api().awaitStatus(id, Duration.ofSeconds(30), "running");
                    await().atMost(Duration.ofSeconds(30)).until(() -> totalLines(a.api(), id) >= 50);

                    a.kill9();

                    await().atMost(Duration.ofSeconds(30)).until(() -> connected(b.api()) == 1);
                    JsonNode job = b.api().awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed", "lost");
                    assertThat(job.get("status").asText()).isEqualTo("succeeded");
                    List<String> stdout = b.api().allLogLines(id, 1).stream()
                            .filter(l -> l.get("stream").asText().equals("STDOUT")).map(l -> l.get("text").asText()).toList();
                    assertThat(stdout).hasSize(LINES);
                    for (int i = 0; i < LINES; i++) assertThat(stdout.get(i)).isEqualTo("line " + (i + 1));
                } finally {
                    AgentProcess.stop(agent);
                }
            }
        }
    }

    private static int connected(Api api) {
        int n = 0;
        for (JsonNode w : api.get("/api/v1/workers").json().get("workers")) {
            if (!w.get("state").asText().equals("offline")) n++;
        }
        return n;
    }

    private static long totalLines(Api api, String id) {
        return api.get("/api/v1/jobs/" + id + "/logs?limit=1").json().get("total_lines").asLong();
    }
}
