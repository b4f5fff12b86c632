package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.PostgresUrl;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers on one PostgreSQL: a job submitted to either runs on an agent of either (each takes in the jobs queued
 * on the other), and every job is dispatched exactly once (the claim in the database), though both servers hold the
 * same queued jobs and dispatch at once. Tokens are shared: made on one, valid on the other; revoked on one, refused
 * by the other within seconds.
 */
class SharedDatabaseIT {
    @TempDir
    Path dir;

    @Test
    void twoServersOnOneDatabaseRunEveryJobOnce() throws Exception {
        String database = TestPostgres.newDatabase();
        Path dataA = dir.resolve("a"), dataB = dir.resolve("b");
        try (var a = KilnTestServer.start(dataA, 2, c -> c.withDatabase(database))) {
            KilnTestServer.shareKeyAndAdminToken(dataA, dataB);
            // b has no agent: what is submitted to it can only run on a's
            try (var b = KilnTestServer.startWithoutAgent(dataB, c -> c.withDatabase(database))) {
                // the copied admin token is valid on b (the tokens are in the database): b made no second one
                assertThat(b.server.adminToken()).isEqualTo(a.server.adminToken());
                assertThat(b.server.firstSignInCode()).isNull();
                var ids = new ArrayList<String>();
                for (int i = 0; i < 6; i++) ids.add(b.api.submit(Map.of("name", "via-b-" + i, "command", "echo " + i)).get("id").asText());
                for (String id : ids) {
                    assertThat(b.api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed").get("status").asText())
                            .isEqualTo("succeeded");
                }
                // a job no agent can take waits in both servers' queues; cancelled on one, it leaves the other's too
                String stuck = b.api.submit(Map.of("name", "no-agent-for-it", "command", "true",
                        "labels", Map.of("arch", "none"))).get("id").asText();
                await().atMost(Duration.ofSeconds(30)).until(() -> queued(a.api) == 1 && queued(b.api) == 1);
                assertThat(a.api.post("/api/v1/jobs/" + stuck + "/cancel", "").status()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> queued(b.api) == 0);
                assertThat(b.api.job(stuck).get("status").asText()).isEqualTo("cancelled");

                // a job running on the agent of a is cancelled through b too: b records it, a carries it out
                // (SharedCancelIT: the process, the race with a claim)
                String sleeper = b.api.submit(Map.of("name", "long", "command", "sleep 60")).get("id").asText();
                b.api.awaitStatus(sleeper, Duration.ofSeconds(30), "running");
                await().atMost(Duration.ofSeconds(30)).until(() -> queued(b.api) == 0);
                assertThat(b.api.post("/api/v1/jobs/" + sleeper + "/cancel", "").status()).isEqualTo(202);
                assertThat(a.api.awaitStatus(sleeper, Duration.ofSeconds(30), "cancelled").get("status").asText()).isEqualTo("cancelled");
            }
            // now b with an agent too: both dispatch from the same queue
            try (var b = KilnTestServer.start(dataB, 2, c -> c.withDatabase(database))) {
                var ids = new ArrayList<String>();
                for (int i = 0; i < 40; i++) {
                    Api via = i % 2 == 0 ? a.api : b.api;
                    ids.add(via.submit(Map.of("name", "both-" + i, "command", "echo job-" + i + "; sleep 0.2")).get("id").asText());
                }
                var agents = new java.util.HashSet<String>();
                for (String id : ids) {
                    JsonNode job = a.api.awaitStatus(id, Duration.ofSeconds(120), "succeeded", "failed", "lost", "cancelled");
                    assertThat(job.get("status").asText()).as(id).isEqualTo("succeeded");
                    assertThat(job.get("attempts")).as("attempts of " + id).hasSize(1);
                    agents.add(job.get("attempts").get(0).get("agent_id").asText());
                }
                assertThat(agents).as("both servers' agents ran jobs").hasSize(2);
                // in the database too: one attempt per job, each log written once
                assertThat(attemptsPerJob(database, ids)).containsOnly(1);
                // a token made on one server works on the other at once, and its revocation reaches it
                var made = a.api.post("/api/v1/tokens", Map.of("name", "shared-ci", "role", "operator")).json();
                Api viaB = b.api.withToken(made.get("token").asText());
                assertThat(viaB.get("/api/v1/jobs?limit=1").status()).isEqualTo(200);
                assertThat(a.api.send("DELETE", "/api/v1/tokens/" + made.get("id").asText(), null, null).status()).isEqualTo(204);
                await().atMost(Duration.ofSeconds(30)).until(() -> viaB.get("/api/v1/jobs?limit=1").status() == 401);
                for (int i = 0; i < ids.size(); i++) {
                    assertThat(b.api.allLogLines(ids.get(i), 1).stream().map(l -> l.get("text").asText())
                            .filter(("job-" + i)::equals)).hasSize(1);
                }
            }
        }
    }

    private static int queued(Api api) {
        return api.get("/api/v1/queue").json().get("total_queued").asInt();
    }

    private static List<Integer> attemptsPerJob(String database, List<String> ids) throws Exception {
        var url = PostgresUrl.parse(database);
        var counts = new ArrayList<Integer>();
        try (var c = DriverManager.getConnection(url.jdbcUrl(), url.properties());
             var q = c.prepareStatement("SELECT count(*) FROM attempts WHERE job_id = ?")) {
            for (String id : ids) {
                q.setString(1, id);
                try (var rs = q.executeQuery()) {
                    rs.next();
                    counts.add(rs.getInt(1));
                }
            }
        }
        return counts;
    }
}
