package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.ops.RetentionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention on a real server: the pass (run through {@code POST /api/v1/admin/prune}) deletes what is past its time,
 * never an active job; a pruned log answers 410; an artifact file goes only when no row points to it.
 */
class RetentionIT {
    @TempDir
    Path dir;

    static RetentionPolicy policy(Duration jobs, Duration logs, Duration artifacts) {
        // the timer's first pass (at start) finds nothing; the tests run passes themselves
        return new RetentionPolicy(jobs, logs, artifacts, 0, Duration.ofHours(1));
    }

    static JsonNode prune(Api api, boolean dryRun) {
        var r = api.post("/api/v1/admin/prune?dry_run=" + dryRun, "");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void oldLogsGoTheJobStaysItsLogAnswers410AndAnActiveJobIsUntouched() {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2,
                c -> c.withRetention(policy(null, Duration.ofSeconds(1), null)))) {
            Api api = kiln.api;
            String done = api.submit(Map.of("command", "for i in $(seq 1 50); do echo line $i; done")).get("id").asText();
            api.awaitStatus(done, Duration.ofSeconds(60), "succeeded");
            String active = api.submit(Map.of("command", "echo still here; sleep 600")).get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> texts(api, active).contains("still here"));

            // past a second the finished job's log is due, and a dry run says so without deleting it
            await().atMost(Duration.ofSeconds(30)).until(() -> prune(api, true).get("logs").asInt() == 1);
            assertThat(texts(api, done)).contains("line 1", "line 50");

            JsonNode report = prune(api, false);
            assertThat(report.get("logs").asInt()).isEqualTo(1);
            assertThat(report.get("jobs").asInt()).isZero();

            var logs = api.get("/api/v1/jobs/" + done + "/logs");
            assertThat(logs.status()).isEqualTo(410);
            assertThat(logs.contentType()).startsWith("application/problem+json");
            assertThat(logs.json().get("detail").asText()).contains("deleted by retention");
            assertThat(api.get("/api/v1/jobs/" + done + "/logs.txt").status()).isEqualTo(410);
            var stream = api.get("/api/v1/jobs/" + done + "/logs/stream"); // not an empty stream that looks like a silent job
            assertThat(stream.status()).isEqualTo(410);
            assertThat(stream.contentType()).startsWith("application/problem+json");
            assertThat(api.job(done).get("status").asText()).isEqualTo("succeeded");

            assertThat(api.job(active).get("status").asText()).isEqualTo("running");
            assertThat(texts(api, active)).contains("still here");

            var pruned = kiln.server.store().events(0, 10_000).stream().filter(e -> e.kind().equals("retention.pruned")).toList();
            assertThat(pruned).singleElement().satisfies(e -> assertThat(e.data()).containsEntry("logs", 1).containsEntry("jobs", 0));
            // and in the metrics
            assertThat(api.get("/metrics").body()).contains("kiln_retention_deleted_total{what=\"logs\"} 1.0")
                    .contains("kiln_retention_deleted_total{what=\"jobs\"} 0.0").contains("kiln_retention_reclaimed_bytes_total");
            assertThat(prune(api, false).get("logs").asInt()).as("nothing left to prune").isZero();
        }
    }

    @Test
    void oldJobsGoWholeAndAnArtifactFileStaysWhileAnotherJobPointsToIt() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2,
                c -> c.withRetention(policy(Duration.ofSeconds(2), null, null)))) {
            Api api = kiln.api;
            var artifacts = List.of("shared.txt", "own.txt");
            String old = api.submit(Map.of("command", "echo shared > shared.txt; echo $KILN_JOB_ID > own.txt; echo old",
                    "artifacts", artifacts)).get("id").asText();
            api.awaitStatus(old, Duration.ofSeconds(60), "succeeded");
            JsonNode list = api.get("/api/v1/jobs/" + old + "/artifacts").json().get("artifacts");
            Path shared = file(kiln, list, "shared.txt");
            Path own = file(kiln, list, "own.txt");
            assertThat(shared).exists();
            assertThat(own).exists();

            await().atMost(Duration.ofSeconds(30)).until(() -> prune(api, true).get("jobs").asInt() == 1);
            // a young job with the same shared content: its row keeps the file
            String young = api.submit(Map.of("command", "echo shared > shared.txt", "artifacts", List.of("shared.txt"))).get("id").asText();
            api.awaitStatus(young, Duration.ofSeconds(60), "succeeded");

            JsonNode report = prune(api, false);
            assertThat(report.get("jobs").asInt()).isEqualTo(1);
            assertThat(report.get("job_ids")).extracting(JsonNode::asText).containsExactly(old);
            assertThat(report.get("files").asInt()).isEqualTo(1);
            assertThat(api.get("/api/v1/jobs/" + old).status()).isEqualTo(404);
            assertThat(kiln.server.store().jobEvents(old, 0, 10)).isEmpty();
            assertThat(own).doesNotExist();
            assertThat(shared).exists();
            assertThat(api.get("/api/v1/jobs/" + young + "/artifacts/shared.txt").body()).isEqualTo("shared\n");
        }
    }

    @Test
    void pruningIsForAdminsAndADryRunDeletesNothing() {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1,
                c -> c.withRetention(policy(Duration.ofSeconds(1), null, null)))) {
            Api api = kiln.api;
            String id = api.submit(Map.of("command", "echo hi")).get("id").asText();
            api.awaitStatus(id, Duration.ofSeconds(60), "succeeded");
            await().atMost(Duration.ofSeconds(30)).until(() -> prune(api, true).get("jobs").asInt() == 1);
            assertThat(api.job(id).get("status").asText()).isEqualTo("succeeded");
            Api operator = api.withToken(api.createToken("ops", "operator"));
            assertThat(operator.post("/api/v1/admin/prune?dry_run=true", "").status()).isEqualTo(403);
            var bad = api.post("/api/v1/admin/prune?dry_run=maybe", "");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("detail").asText()).contains("dry_run").contains("true or false");
        }
    }

    private static List<String> texts(Api api, String id) {
        return api.allLogLines(id, 1).stream().map(l -> l.get("text").asText()).toList();
    }

    private static Path file(KilnTestServer kiln, JsonNode list, String name) {
        for (JsonNode a : list) {
            if (a.get("name").asText().equals(name)) {
                String sha = a.get("sha256").asText();
                return kiln.server.dataDir().resolve("artifacts").resolve(sha.substring(0, 2)).resolve(sha);
            }
        }
        throw new AssertionError("no artifact " + name + " in " + list);
    }
}
