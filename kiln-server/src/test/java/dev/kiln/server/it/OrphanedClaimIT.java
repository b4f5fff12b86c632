package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.PostgresUrl;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several servers on one database: a server claims a job for an agent (the claim commits) and dies before the
 * assignment reaches the agent, which then connects to another server. Its hello does not name the job, its agent
 * is alive, so neither the other server's loss timer nor the lease holder's would ever free it: the server the agent
 * is connected to gives it up, and it queues again. The dead server's claim is written here straight into the
 * database, as it would have committed it.
 */
class OrphanedClaimIT {
    @TempDir
    Path dir;

    @Test
    void aJobClaimedForAnAgentThatNeverGotItIsGivenUpByTheServerTheAgentIsOn() throws Exception {
        String database = TestPostgres.newDatabase();
        try (var kiln = KilnTestServer.start(dir.resolve("a"), 1, c -> c.withDatabase(database))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> kiln.api.get("/api/v1/workers").json().at("/workers/0/id").isTextual());
            String agentId = kiln.api.get("/api/v1/workers").json().at("/workers/0/id").asText();
            // no agent has this label: the job waits queued until the "dead server" claims it
            String id = kiln.api.submit(Map.of("name", "claimed-by-a-dead-server", "command", "true",
                    "labels", Map.of("arch", "none"))).get("id").asText();
            claimForAgentAsADeadServerWould(database, id, agentId);

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> kiln.api.job(id).at("/attempts/0/status").asText().equals("lost"));
            JsonNode job = kiln.api.job(id);
            assertThat(job.get("status").asText()).as("queued again: nothing ran").isEqualTo("queued");
            assertThat(job.get("attempts")).hasSize(1);
            assertThat(job.at("/attempts/0/status").asText()).isEqualTo("lost");
            assertThat(kiln.api.allLogLines(id, 1)).extracting(l -> l.get("text").asText())
                    .anySatisfy(line -> assertThat(line).contains("never received it"));
        }
    }

    private static void claimForAgentAsADeadServerWould(String database, String jobId, String agentId) throws Exception {
        var url = PostgresUrl.parse(database);
        long now = System.currentTimeMillis() * 1_000_000L;
        try (var c = DriverManager.getConnection(url.jdbcUrl(), url.properties())) {
            c.setAutoCommit(false);
            try (var claim = c.prepareStatement(
                    "UPDATE jobs SET status = 'assigned', attempt = 1, agent_id = ?, updated_at = ? WHERE id = ? AND status = 'queued'");
                 var attempt = c.prepareStatement("""
                         INSERT INTO attempts (job_id, number, agent_id, status, created_at, log_seq, line_count)
                         VALUES (?, 1, ?, 'assigned', ?, 0, 0)""")) {
                claim.setString(1, agentId);
                claim.setLong(2, now);
                claim.setString(3, jobId);
                assertThat(claim.executeUpdate()).as("the claim").isEqualTo(1);
                attempt.setString(1, jobId);
                attempt.setString(2, agentId);
                attempt.setLong(3, now);
                attempt.executeUpdate();
            }
            c.commit();
        }
    }
}
