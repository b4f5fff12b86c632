package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * Applying a plan (seed 002): a succeeded job that declares {@code apply} becomes a deploy job on the agent chosen by
 * name — here a remote agent process — which downloads the plan's artifacts and checks each SHA-256 before its command
 * runs. A tampered artifact fails the apply job, naming the file; what may not be applied is a 409 saying why.
 */
class ApplyIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api api;
    static Process deployer;

    @BeforeAll
    static void start() throws Exception {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        api = kiln.api;
        deployer = AgentProcess.launch(api, "deployer", "role=deploy", 1, dir.resolve("deployer"));
        FleetIT.awaitAgents(api, 2);
    }

    @AfterAll
    static void stop() throws Exception {
        AgentProcess.stop(deployer);
        kiln.close();
    }

    /** A plan job on the embedded agent, with two artifacts and an apply that prints them and their hashes. */
    static String succeededPlan(String name) {
        String id = api.submit(Map.of("name", name, "type", "plan", "server_id", "embedded",
                "command", "mkdir -p out && echo \"plan $KILN_JOB_ID\" > plan.tfplan && echo notes > out/notes.txt",
                "artifacts", List.of("plan.tfplan", "out/*"),
                "apply", Map.of("command", "sha256sum plan.tfplan out/notes.txt && cat plan.tfplan", "type", "deploy",
                        "labels", Map.of("role", "deploy")))).get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("succeeded");
        return id;
    }

    static List<String> log(String id) {
        var lines = new ArrayList<String>();
        api.allLogLines(id, 1).forEach(l -> lines.add(l.get("stream").asText() + " " + l.get("text").asText()));
        return lines;
    }

    static Map<String, String> artifactHashes(String jobId) {
        var hashes = new java.util.TreeMap<String, String>();
        api.get("/api/v1/jobs/" + jobId + "/artifacts").json().get("artifacts")
                .forEach(a -> hashes.put(a.get("name").asText(), a.get("sha256").asText()));
        return hashes;
    }

    @Test
    void applyOnARemoteAgentChosenByNameGetsThePlansArtifactsAndVerifiesThem() {
        String plan = succeededPlan("network");
        Map<String, String> hashes = artifactHashes(plan);
        assertThat(hashes).containsOnlyKeys("plan.tfplan", "out/notes.txt");

        var made = api.post("/api/v1/jobs/" + plan + "/apply", Map.of("agent", "deployer"));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        String apply = made.json().get("id").asText();
        assertThat(made.json().get("type").asText()).isEqualTo("deploy");
        assertThat(made.json().get("applies").asText()).isEqualTo(plan);

        JsonNode done = api.awaitStatus(apply, Duration.ofSeconds(60), "succeeded", "failed");
        assertThat(done.get("status").asText()).as(log(apply).toString()).isEqualTo("succeeded");
        assertThat(done.get("agent_name").asText()).isEqualTo("deployer");
        List<String> log = log(apply);
        // verified on the agent before the command; the command then sees the very bytes the plan made
        assertThat(log).contains("SYSTEM [agent] input plan.tfplan verified (sha256 " + hashes.get("plan.tfplan") + ")",
                "SYSTEM [agent] input out/notes.txt verified (sha256 " + hashes.get("out/notes.txt") + ")",
                "STDOUT " + hashes.get("plan.tfplan") + "  plan.tfplan",
                "STDOUT " + hashes.get("out/notes.txt") + "  out/notes.txt",
                "STDOUT plan " + plan);
        assertThat(log.indexOf("SYSTEM [agent] input plan.tfplan verified (sha256 " + hashes.get("plan.tfplan") + ")"))
                .isLessThan(log.indexOf("STDOUT plan " + plan));

        // linked both ways; the apply job's snapshot lists its input files with their hashes
        JsonNode planView = api.job(plan);
        assertThat(planView.get("applied_by")).extracting(JsonNode::asText).containsExactly(apply);
        JsonNode inputs = api.job(apply).get("config").get("input_files");
        assertThat(inputs).extracting(i -> i.get("path").asText() + "=" + i.get("sha256").asText())
                .containsExactlyInAnyOrder("plan.tfplan=" + hashes.get("plan.tfplan"), "out/notes.txt=" + hashes.get("out/notes.txt"));
        assertThat(api.get("/api/v1/jobs/" + apply + "/inputs/plan.tfplan").body()).isEqualTo("plan " + plan + "\n");

        // applied once: again is refused, unless forced
        var again = api.post("/api/v1/jobs/" + plan + "/apply", Map.of("agent", "deployer"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).contains("was applied already by job " + apply).contains("force");
        var forced = api.post("/api/v1/jobs/" + plan + "/apply", Map.of("agent", "auto", "force", true));
        assertThat(forced.status()).as(forced.body()).isEqualTo(201);
        assertThat(api.job(plan).get("applied_by")).hasSize(2);
    }

    @Test
    void aTamperedArtifactFailsTheApplyJobNamingTheFileAndTheCommandNeverRuns() throws Exception {
        String plan = succeededPlan("tampered");
        String sha = artifactHashes(plan).get("plan.tfplan");
        Path content = dir.resolve("data/artifacts").resolve(sha.substring(0, 2)).resolve(sha);
        byte[] bytes = Files.readAllBytes(content);
        bytes[0] ^= 1; // same size, one bit different
        Files.write(content, bytes);

        String apply = api.post("/api/v1/jobs/" + plan + "/apply", Map.of("agent", "deployer")).json().get("id").asText();
        JsonNode done = api.awaitStatus(apply, Duration.ofSeconds(60), "succeeded", "failed");
        assertThat(done.get("status").asText()).isEqualTo("failed");
        assertThat(done.get("error_message").asText()).contains("input plan.tfplan failed its SHA-256 check: expected " + sha);
        List<String> log = log(apply);
        assertThat(log).anyMatch(l -> l.startsWith("SYSTEM [agent] input plan.tfplan failed its SHA-256 check: expected " + sha));
        assertThat(log).noneMatch(l -> l.startsWith("STDOUT")).noneMatch(l -> l.contains("process started"));
    }

    @Test
    void theSnapshotNamesTheCommitCheckedOutAndTheApplyJobChecksOutThatCommitThoughTheBranchMovedOn() throws Exception {
        Path repo = Files.createTempDirectory(dir, "repo");
        Files.writeString(repo.resolve("main.tf"), "first\n");
        JobLifecycleIT.run(repo, "git", "init", "-q", "-b", "master");
        JobLifecycleIT.run(repo, "git", "add", "-A");
        JobLifecycleIT.run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first");
        String planned = JobLifecycleIT.run(repo, "git", "rev-parse", "HEAD").strip();

        String plan = api.submit(Map.of("name", "repo-plan", "type", "plan", "source_repository", repo.toString(),
                "branch", "master", "command", "cp main.tf plan.out", "artifacts", List.of("plan.out"),
                "apply", Map.of("command", "cat main.tf plan.out"))).get("id").asText();
        assertThat(api.awaitStatus(plan, Duration.ofSeconds(60), "succeeded", "failed").get("status").asText()).isEqualTo("succeeded");
        assertThat(api.job(plan).get("checked_out_commit").asText()).isEqualTo(planned);

        Files.writeString(repo.resolve("main.tf"), "second\n");
        JobLifecycleIT.run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "second");
        String apply = api.post("/api/v1/jobs/" + plan + "/apply", Map.of()).json().get("id").asText();
        assertThat(api.awaitStatus(apply, Duration.ofSeconds(60), "succeeded", "failed").get("status").asText()).isEqualTo("succeeded");
        JsonNode view = api.job(apply);
        assertThat(view.get("config").get("commit_hash").asText()).isEqualTo(planned);
        assertThat(view.get("checked_out_commit").asText()).isEqualTo(planned);
        assertThat(log(apply)).contains("STDOUT first").doesNotContain("STDOUT second");
    }

    @Test
    void whatMayNotBeAppliedIsAConflictSayingWhy() {
        String failed = api.submit(Map.of("type", "plan", "command", "exit 3", "apply", Map.of("command", "true")))
                .get("id").asText();
        api.awaitStatus(failed, Duration.ofSeconds(30), "failed");
        var r = api.post("/api/v1/jobs/" + failed + "/apply", Map.of());
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("detail").asText()).contains("is failed; only a succeeded job can be applied");

        String notAPlan = api.submit(Map.of("command", "true")).get("id").asText();
        api.awaitStatus(notAPlan, Duration.ofSeconds(30), "succeeded");
        r = api.post("/api/v1/jobs/" + notAPlan + "/apply", "");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("detail").asText()).contains("declares no apply");

        String older = succeededPlan("stale");
        String newer = succeededPlan("stale");
        r = api.post("/api/v1/jobs/" + older + "/apply", Map.of("agent", "deployer"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("detail").asText()).contains("is stale: job " + newer);
        assertThat(api.job(older).get("applied_by")).isEmpty();

        r = api.post("/api/v1/jobs/" + newer + "/apply", Map.of("agent", "nowhere"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("agent");
        r = api.post("/api/v1/jobs/" + newer + "/apply", Map.of("agent", "deployer", "colour", "red"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(api.post("/api/v1/jobs/" + newer + "/apply", Map.of("agent", "deployer")).status()).isEqualTo(201);
    }
}
