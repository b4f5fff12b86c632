package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers on one PostgreSQL: a job is cancelled through any of them. One running on another server's agent is
 * recorded and that server cancels it (its process gone, the SYSTEM line naming who asked); one queued is cancelled
 * only if still queued, else through the running path: after a 2xx answer no job runs on.
 */
class SharedCancelIT {
    static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** What a test does with server a (an agent with two slots) and server b (no agent) on one new database. */
    interface TwoServers {
        void run(KilnTestServer a, KilnTestServer b) throws Exception;
    }

    void onTwoServers(TwoServers test) throws Exception {
        String database = TestPostgres.newDatabase();
        Path dataA = dir.resolve("a"), dataB = dir.resolve("b");
        try (var a = KilnTestServer.start(dataA, 2, c -> c.withDatabase(database))) {
            KilnTestServer.shareSecretsKey(dataA, dataB);
            try (var b = KilnTestServer.startWithoutAgent(dataB, c -> c.withDatabase(database))) {
                test.run(a, b);
            }
        }
    }

    @Test
    void aJobRunningOnAnotherServersAgentIsCancelledThroughThisOne() throws Exception {
        onTwoServers((a, b) -> {
            String id = a.api.submit(Map.of("name", "long", "command", "sleep 60")).get("id").asText();
            a.api.awaitStatus(id, WITHIN, "running");
            await().atMost(WITHIN).until(() -> !CancelIT.processesWithEnv("KILN_JOB_ID=" + id).isEmpty());

            var cancel = b.api.post("/api/v1/jobs/" + id + "/cancel", "");
            assertThat(cancel.status()).as(cancel.body()).isEqualTo(202);

            JsonNode done = b.api.awaitStatus(id, WITHIN, "cancelled", "succeeded", "failed", "lost");
            assertThat(done.get("status").asText()).isEqualTo("cancelled");
            assertThat(done.get("error_message").asText()).isEqualTo("Cancelled by user");
            assertThat(CancelIT.processesWithEnv("KILN_JOB_ID=" + id)).as("the job's processes").isEmpty();
            assertThat(a.api.allLogLines(id, 1)).anySatisfy(l -> assertThat(l.get("text").asText())
                    .startsWith("[kiln] cancel requested by user (").endsWith(")"));
            assertThat(a.api.job(id).get("status").asText()).isEqualTo("cancelled");
            // the request was carried out and deleted; a finished job cannot be cancelled again
            await().atMost(WITHIN).until(() -> b.server.store().cancelRequests().isEmpty());
            assertThat(b.api.post("/api/v1/jobs/" + id + "/cancel", "").status()).isEqualTo(409);
        });
    }

    @Test
    void queuedJobsCancelledThroughAnotherServerWhileTheirServerClaimsThemNeverRunOn() throws Exception {
        onTwoServers((a, b) -> {
            // a dispatches each job at once (two slots): b's cancel races a's claim, job after job
            var answers = new LinkedHashMap<String, Integer>();
            for (int i = 0; i < 10; i++) {
                String id = a.api.submit(Map.of("name", "raced-" + i, "command", "sleep 60")).get("id").asText();
                var cancel = b.api.post("/api/v1/jobs/" + id + "/cancel", "");
                assertThat(cancel.status()).as(cancel.body()).isIn(200, 202);
                answers.put(id, cancel.status());
            }
            answers.forEach((id, status) -> {
                JsonNode done = a.api.awaitStatus(id, WITHIN, "cancelled", "succeeded", "failed", "lost");
                assertThat(done.get("status").asText()).as(id + " answered " + status).isEqualTo("cancelled");
                // cancelled while queued: the claim lost, so it never reached an agent
                if (status == 200) assertThat(done.get("attempts")).as("attempts of " + id).isEmpty();
            });
            await().atMost(WITHIN).untilAsserted(() -> {
                for (String id : answers.keySet()) {
                    assertThat(CancelIT.processesWithEnv("KILN_JOB_ID=" + id)).as("processes of " + id).isEmpty();
                }
            });
            assertThat(answers.values()).as("cancelled queued at once, and through the running path").contains(200);
        });
    }
}
