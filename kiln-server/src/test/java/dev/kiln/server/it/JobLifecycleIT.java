package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs end to end through the HTTP API, run for real by the embedded agent. */
class JobLifecycleIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api api;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        api = kiln.api;
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/v1/workers").json().get("workers").size() == 1
                && api.get("/api/v1/workers").json().get("workers").get(0).get("state").asText().equals("online"));
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    static Path gitRepo() throws Exception {
        Path repo = Files.createTempDirectory(dir, "repo");
        Files.writeString(repo.resolve("build.sh"), """
                #!/bin/sh
                echo "building $(cat version.txt)"
                echo "warning: something odd" >&2
                echo "done"
                """);
        repo.resolve("build.sh").toFile().setExecutable(true);
        Files.writeString(repo.resolve("version.txt"), "1.0\n");
        run(repo, "git", "init", "-q", "-b", "main");
        run(repo, "git", "add", ".");
        run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first");
        run(repo, "git", "checkout", "-q", "-b", "release");
        Files.writeString(repo.resolve("version.txt"), "2.0\n");
        run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "second");
        run(repo, "git", "checkout", "-q", "main");
        return repo;
    }

    static String run(Path cwd, String... cmd) throws IOException, InterruptedException {
        var p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        return out.strip();
    }

    @Test
    void clonesARepositoryRunsTheScriptAndKeepsStdoutAndStderrInOrder() throws Exception {
        Path repo = gitRepo();
        JsonNode job = api.submit(Map.of(
                "source_repository", "file://" + repo,
                "branch", "release",
                "commit_hash", "HEAD",
                "command", "./build.sh",
                "type", "build",
                "name", "release build"));
        assertThat(job.get("status").asText()).isEqualTo("queued");
        assertThat(job.get("short_id").asText()).isEqualTo(job.get("id").asText().substring(0, 8));
        String id = job.get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(30), "succeeded", "failed");
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.get("exit_code").asInt()).isZero();
        assertThat(done.get("agent_name").asText()).isEqualTo("embedded");
        assertThat(done.get("duration_seconds").asDouble()).isGreaterThanOrEqualTo(0);

        List<JsonNode> lines = api.allLogLines(id, 1);
        // stdout and stderr are separate pipes: each stream keeps its order; across them, arrival order
        var stdout = lines.stream().filter(l -> l.get("stream").asText().equals("STDOUT")).map(l -> l.get("text").asText()).toList();
        var stderr = lines.stream().filter(l -> l.get("stream").asText().equals("STDERR")).map(l -> l.get("text").asText()).toList();
        assertThat(stdout).containsExactly("building 2.0", "done");
        assertThat(stderr).containsExactly("warning: something odd");
        assertThat(lines).anySatisfy(l -> assertThat(l.get("text").asText()).contains("exit code 0"));
        for (int i = 0; i < lines.size(); i++) assertThat(lines.get(i).get("number").asLong()).isEqualTo(i + 1);

        var raw = api.get("/api/v1/jobs/" + id + "/logs.txt");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.body()).contains("building 2.0\n").contains("warning: something odd\n").contains("done\n");

        var events = api.get("/api/v1/jobs/" + id + "/events").json().get("events");
        var kinds = new ArrayList<String>();
        events.forEach(e -> kinds.add(e.get("kind").asText()));
        assertThat(kinds).containsSubsequence("job.queued", "job.assigned", "job.started", "job.finished");
        events.forEach(e -> assertThat(e.get("timestamp_ns").asLong()).isPositive());
    }

    @Test
    void anUnknownBranchFailsTheJobWithAClearSystemLine() throws Exception {
        Path repo = gitRepo();
        String id = api.submit(Map.of("source_repository", repo.toString(), "branch", "nope", "command", "true"))
                .get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(30), "failed", "succeeded");
        assertThat(done.get("status").asText()).isEqualTo("failed");
        assertThat(done.get("error_message").asText()).contains("nope");
        assertThat(api.allLogLines(id, 1)).anySatisfy(l -> {
            assertThat(l.get("stream").asText()).isEqualTo("SYSTEM");
            assertThat(l.get("text").asText()).contains("nope");
        });
    }

    @Test
    void aFailingJobIsRetriedPerItsPolicyWithLogsPerAttempt() {
        String id = api.submit(Map.of("command", "echo attempt $KILN_ATTEMPT; [ \"$KILN_ATTEMPT\" -ge 3 ] || exit 3",
                "retry", Map.of("limit", 3, "on", List.of(3), "backoff_seconds", 0))).get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(30), "succeeded", "failed");
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.get("attempt").asInt()).isEqualTo(3);
        var attempts = done.get("attempts");
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(0).get("status").asText()).isEqualTo("failed");
        assertThat(attempts.get(0).get("exit_code").asInt()).isEqualTo(3);
        assertThat(attempts.get(2).get("status").asText()).isEqualTo("succeeded");
        for (int a = 1; a <= 3; a++) {
            int attempt = a;
            assertThat(api.allLogLines(id, a)).anySatisfy(l -> assertThat(l.get("text").asText()).isEqualTo("attempt " + attempt));
        }
        var kinds = new ArrayList<String>();
        api.get("/api/v1/jobs/" + id + "/events").json().get("events").forEach(e -> kinds.add(e.get("kind").asText()));
        assertThat(kinds.stream().filter("job.retrying"::equals)).hasSize(2);
    }

    @Test
    void retriesStopAtTheLimitAndOtherExitCodesAreNotRetried() {
        String limited = api.submit(Map.of("command", "exit 3", "retry", Map.of("limit", 1, "on", List.of(3), "backoff_seconds", 0))).get("id").asText();
        String other = api.submit(Map.of("command", "exit 4", "retry", Map.of("limit", 5, "on", List.of(3), "backoff_seconds", 0))).get("id").asText();
        JsonNode a = api.awaitStatus(limited, Duration.ofSeconds(30), "failed");
        JsonNode b = api.awaitStatus(other, Duration.ofSeconds(30), "failed");
        assertThat(a.get("attempts")).hasSize(2);
        assertThat(b.get("attempts")).hasSize(1);
        assertThat(b.get("error_message").asText()).isEqualTo("exit code 4");
    }

    @Test
    void aTimeoutKillsTheJob() {
        String id = api.submit(Map.of("command", "echo start; sleep 60", "timeout_seconds", 1, "cancel_grace_seconds", 1))
                .get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(15), "timed_out", "failed", "succeeded");
        assertThat(done.get("status").asText()).isEqualTo("timed_out");
    }

    @Test
    void secretsAreMaskedInLogsAndTheApi() {
        String id = api.submit(Map.of("command", "echo token=$DEPLOY_TOKEN; echo $DEPLOY_TOKEN >&2",
                "secrets", Map.of("DEPLOY_TOKEN", "hunter2-s3cret"))).get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(30), "succeeded", "failed");
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.toString()).doesNotContain("hunter2-s3cret");
        assertThat(done.get("config").get("secrets").get("DEPLOY_TOKEN").asText()).isEqualTo("***");
        var lines = api.allLogLines(id, 1);
        assertThat(lines.toString()).doesNotContain("hunter2-s3cret");
        assertThat(lines).anySatisfy(l -> assertThat(l.get("text").asText()).isEqualTo("token=***"));
        assertThat(api.get("/api/v1/jobs/" + id + "/logs.txt").body()).doesNotContain("hunter2");
    }

    @Test
    void rerunCreatesALinkedJobFromTheSnapshotAndOnlyForFinishedJobs() {
        String id = api.submit(Map.of("command", "echo $GREETING", "env", Map.of("GREETING", "hello"),
                "secrets", Map.of("S", "kept"))).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(30), "succeeded");
        var rerun = api.post("/api/v1/jobs/" + id + "/rerun", "");
        assertThat(rerun.status()).isEqualTo(201);
        String newId = rerun.json().get("id").asText();
        assertThat(newId).isNotEqualTo(id);
        assertThat(rerun.json().get("rerun_of").asText()).isEqualTo(id);
        api.awaitStatus(newId, Duration.ofSeconds(30), "succeeded");
        assertThat(api.allLogLines(newId, 1)).anySatisfy(l -> assertThat(l.get("text").asText()).isEqualTo("hello"));

        String running = api.submit(Map.of("command", "sleep 30", "cancel_grace_seconds", 1)).get("id").asText();
        api.awaitStatus(running, Duration.ofSeconds(10), "running");
        var refused = api.post("/api/v1/jobs/" + running + "/rerun", "");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        api.post("/api/v1/jobs/" + running + "/cancel", "");
        api.awaitStatus(running, Duration.ofSeconds(10), "cancelled");
    }

    @Test
    void aJobNoAgentCanRunWaitsWithAReasonAndCanBeCancelledWhileQueued() {
        String id = api.submit(Map.of("command", "true", "target_architecture", "riscv64")).get("id").asText();
        JsonNode status = api.get("/api/v1/jobs/" + id + "/status").json();
        assertThat(status.get("status").asText()).isEqualTo("queued");
        JsonNode reason = status.get("queue_info").get("waiting_reason");
        assertThat(reason.get("code").asText()).isEqualTo("no_matching_agent");
        assertThat(reason.get("message").asText()).isEqualTo("no online agent has arch=riscv64");
        assertThat(status.get("queue_info").get("position").asInt()).isPositive();

        JsonNode queue = api.get("/api/v1/queue").json();
        assertThat(queue.get("total_queued").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(queue.get("jobs_by_architecture").get("riscv64").asInt()).isEqualTo(1);

        var cancel = api.send("PUT", "/api/v1/jobs/" + id + "/cancel", null, null);
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("status").asText()).isEqualTo("cancelled");
        assertThat(cancel.json().get("error_message").asText()).isEqualTo("Cancelled by user");
        var again = api.post("/api/v1/jobs/" + id + "/cancel", "");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).contains("cancelled");
    }

    @Test
    void capacityIsNeverExceededAndTheWaitingReasonSaysTheAgentIsBusy() {
        var ids = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            ids.add(api.submit(Map.of("command", "sleep 30", "labels", Map.of("os", "linux"), "cancel_grace_seconds", 1,
                    "priority", -5)).get("id").asText());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream()
                .filter(i -> api.get("/api/v1/jobs/" + i + "/status").json().get("status").asText().equals("running")).count() == 2);
        String waiting = ids.stream().filter(i -> api.get("/api/v1/jobs/" + i + "/status").json().get("status").asText().equals("queued"))
                .findFirst().orElseThrow();
        JsonNode reason = api.get("/api/v1/jobs/" + waiting + "/status").json().get("queue_info").get("waiting_reason");
        assertThat(reason.get("message").asText()).isEqualTo("the matching agent is busy (2/2)");
        JsonNode worker = api.get("/api/v1/workers").json().get("workers").get(0);
        assertThat(worker.get("active").asInt()).isEqualTo(2);
        assertThat(worker.get("capacity").asInt()).isEqualTo(2);
        ids.forEach(i -> api.post("/api/v1/jobs/" + i + "/cancel", ""));
        ids.forEach(i -> api.awaitStatus(i, Duration.ofSeconds(15), "cancelled"));
    }

    @Test
    void higherPriorityJobsRunFirst() {
        // Fill both slots, then queue a low and a high priority job. The slots free seconds apart, so exactly one
        // queued job can take the first one: it must be the high priority job, while the low one keeps waiting.
        String shortBlocker = api.submit(Map.of("command", "sleep 2")).get("id").asText();
        String longBlocker = api.submit(Map.of("command", "sleep 30", "cancel_grace_seconds", 1)).get("id").asText();
        api.awaitStatus(shortBlocker, Duration.ofSeconds(10), "running");
        api.awaitStatus(longBlocker, Duration.ofSeconds(10), "running");
        String low = api.submit(Map.of("command", "true", "priority", 1)).get("id").asText();
        String high = api.submit(Map.of("command", "sleep 30", "priority", 100, "cancel_grace_seconds", 1)).get("id").asText();
        api.awaitStatus(high, Duration.ofSeconds(20), "running");
        assertThat(api.job(low).get("status").asText()).as("the low priority job waits for the second slot").isEqualTo("queued");
        api.post("/api/v1/jobs/" + longBlocker + "/cancel", "");
        api.awaitStatus(low, Duration.ofSeconds(20), "succeeded");
        api.post("/api/v1/jobs/" + high + "/cancel", "");
        api.awaitStatus(high, Duration.ofSeconds(20), "cancelled");
    }

    @Test
    void jobsCanBeListedFilteredAndPaged() {
        for (int i = 0; i < 7; i++) api.submit(Map.of("command", "true", "type", "pagetest", "name", "page job " + i));
        JsonNode first = api.get("/api/v1/jobs?type=pagetest&limit=3").json();
        assertThat(first.get("jobs")).hasSize(3);
        assertThat(first.get("jobs").get(0).get("name").asText()).isEqualTo("page job 6");
        var seen = new ArrayList<String>();
        first.get("jobs").forEach(j -> seen.add(j.get("name").asText()));
        String cursor = first.get("next_cursor").asText();
        while (cursor != null && !cursor.equals("null")) {
            JsonNode page = api.get("/api/v1/jobs?type=pagetest&limit=3&cursor=" + cursor).json();
            page.get("jobs").forEach(j -> seen.add(j.get("name").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        }
        assertThat(seen).containsExactly("page job 6", "page job 5", "page job 4", "page job 3", "page job 2", "page job 1", "page job 0");
        assertThat(api.get("/api/v1/jobs?text=page%20job%203").json().get("jobs")).hasSize(1);
    }

    /** A build's first level goes through {@code submitAll}: every job stored, queued with its event, and run. */
    @Test
    void submitAllStoresQueuesAndRunsEveryJobUnderItsOwnId() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var submissions = new ArrayList<dev.kiln.server.jobs.JobEngine.Submission>();
        for (int i = 0; i < 3; i++) {
            var spec = dev.kiln.server.jobs.JobSpecParser.parse(mapper.readTree(
                    "{\"command\": \"echo bulk " + i + "\", \"name\": \"bulk " + i + "\"}"));
            submissions.add(new dev.kiln.server.jobs.JobEngine.Submission(dev.kiln.server.core.JobIds.next(), spec, null));
        }
        var stored = kiln.server.engine().submitAll(submissions).join();
        assertThat(stored).extracting(dev.kiln.server.core.Job::id)
                .containsExactlyElementsOf(submissions.stream().map(dev.kiln.server.jobs.JobEngine.Submission::id).toList());
        for (var s : submissions) {
            JsonNode done = api.awaitStatus(s.id(), Duration.ofSeconds(30), "succeeded", "failed");
            assertThat(done.get("status").asText()).isEqualTo("succeeded");
            assertThat(done.get("name").asText()).isEqualTo(s.spec().name());
            var kinds = new ArrayList<String>();
            api.get("/api/v1/jobs/" + s.id() + "/events").json().get("events").forEach(e -> kinds.add(e.get("kind").asText()));
            assertThat(kinds).startsWith("job.queued").contains("job.finished");
        }
    }
}
