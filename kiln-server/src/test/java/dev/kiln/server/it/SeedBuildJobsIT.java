package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * Builds submitted through seed 001's API the way its clients do, without a command, and run for real by the
 * embedded agent: the repository's own {@code .kiln/build} or {@code kiln.yaml} build job, or a clear failure; the
 * seed API's filters and its errors (problem+json).
 */
class SeedBuildJobsIT {
    static final String BASE = "/api/v1/infrastructure/build-jobs";
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api api;
    static String arch;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        api = kiln.api;
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/api/v1/workers").json().get("workers").size() == 1);
        arch = api.get("/api/v1/workers").json().get("workers").get(0).get("labels").get("arch").get(0).asText();
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    /** A git repository with {@code files} committed; {@code .kiln/build} is executable. */
    static Path repo(Map<String, String> files) throws Exception {
        Path repo = Files.createTempDirectory(dir, "repo");
        for (var f : files.entrySet()) {
            Path file = repo.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue());
            if (f.getKey().equals(".kiln/build")) assertThat(file.toFile().setExecutable(true)).isTrue();
        }
        JobLifecycleIT.run(repo, "git", "init", "-q", "-b", "master");
        JobLifecycleIT.run(repo, "git", "add", "-A");
        JobLifecycleIT.run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first");
        return repo;
    }

    /** Submits the seed's body (no command) for {@code repo}; returns the seed's job. */
    static JsonNode submit(Path repo) {
        var r = api.post(BASE, Map.of("source_repository", "file://" + repo, "branch", "master", "commit_hash", "HEAD",
                "target_architecture", arch, "server_id", "auto"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    static JsonNode awaitEnd(String id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> List.of("completed", "failed", "cancelled")
                .contains(api.get(BASE + "/" + id + "/status").json().get("status").asText()));
        return api.get(BASE + "/" + id).json();
    }

    static List<String> logs(String id) {
        var lines = new ArrayList<String>();
        JsonNode body = api.get(BASE + "/" + id + "/logs").json();
        body.get("logs").forEach(l -> lines.add(l.asText()));
        lines.forEach(l -> assertThat(l).matches(SeedInfrastructureApiIT.RFC3339_LINE));
        return lines;
    }

    @Test
    void aRepositoryWithAKilnBuildScriptIsBuiltByIt() throws Exception {
        Path repo = repo(Map.of(".kiln/build", "#!/bin/sh\necho \"compiling $(cat version.txt)\"\necho built > out.txt\n",
                "version.txt", "1.4\n"));
        JsonNode job = submit(repo);
        assertThat(job.get("status").asText()).isIn("queued", "building");
        String id = job.get("id").asText();
        JsonNode done = awaitEnd(id);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("error_message").isNull()).isTrue();
        assertThat(done.get("server_id").asText()).isNotBlank();
        assertThat(done.get("duration_seconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(api.get(BASE + "/" + id + "/logs").json().get("streaming").asBoolean()).isFalse();
        assertThat(logs(id)).anySatisfy(l -> assertThat(l).endsWith("] compiling 1.4"))
                .anySatisfy(l -> assertThat(l).endsWith("] [agent] build definition: .kiln/build"));
        // the native API shows the same job: no command, its own build
        assertThat(api.job(id).get("command").isNull()).isTrue();
        assertThat(api.job(id).get("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void aRepositoryWithAKilnYamlIsBuiltByItsBuildJob() throws Exception {
        Path repo = repo(Map.of("kiln.yaml", """
                version: 1
                jobs:
                  build:
                    command: echo "yaml build on $(uname -m)"
                """));
        String id = submit(repo).get("id").asText();
        assertThat(awaitEnd(id).get("status").asText()).isEqualTo("completed");
        assertThat(logs(id)).anySatisfy(l -> assertThat(l).contains("] yaml build on "));
    }

    @Test
    void aRepositoryWithNeitherFailsSayingWhatToAdd() throws Exception {
        Path repo = repo(Map.of("README", "no build here\n"));
        String head = JobLifecycleIT.run(repo, "git", "rev-parse", "HEAD");
        String id = submit(repo).get("id").asText();
        JsonNode done = awaitEnd(id);
        String expected = "no build definition in file://" + repo + "@" + head
                + ": add .kiln/build or a kiln.yaml with a `build` job";
        assertThat(done.get("status").asText()).isEqualTo("failed");
        assertThat(done.get("error_message").asText()).isEqualTo(expected);
        assertThat(api.get(BASE + "/" + id + "/status").json().get("error_message").asText()).isEqualTo(expected);
        assertThat(logs(id)).anySatisfy(l -> assertThat(l).endsWith("] [agent] " + expected));
    }

    @Test
    void listFiltersByTheSeedsStatusAndArchitectureAndIsBounded() throws Exception {
        String done = submit(repo(Map.of(".kiln/build", "#!/bin/sh\ntrue\n"))).get("id").asText();
        awaitEnd(done);
        JsonNode completed = api.get(BASE + "?status=completed&target_architecture=" + arch + "&limit=500").json();
        assertThat(completed.isArray()).isTrue();
        completed.forEach(j -> assertThat(j.get("status").asText()).isEqualTo("completed"));
        assertThat(completed).anySatisfy(j -> assertThat(j.get("id").asText()).isEqualTo(done));
        assertThat(api.get(BASE + "?status=queued,building").json()).noneSatisfy(j -> assertThat(j.get("id").asText()).isEqualTo(done));
        assertThat(api.get(BASE + "?target_architecture=sparc64").json()).isEmpty();
        assertThat(api.get(BASE + "?limit=1").json()).hasSize(1);
        for (String bad : new String[] {"?status=running", "?limit=0", "?limit=501", "?target_architecture=X%20Y"}) {
            var r = api.get(BASE + bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        assertThat(api.get(BASE + "?status=running").json().get("detail").asText())
                .contains("queued, building, completed, failed, cancelled");
    }

    @Test
    void errorsAreProblemJson() throws Exception {
        // no command and no repository: still a 400 naming the field
        var noCommand = api.post(BASE, Map.of("target_architecture", arch));
        assertThat(noCommand.status()).isEqualTo(400);
        assertThat(noCommand.contentType()).startsWith("application/problem+json");
        assertThat(noCommand.body()).contains("command").contains("unless source_repository is given");

        String unknown = "0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d";
        for (String path : new String[] {"/" + unknown, "/" + unknown + "/status", "/" + unknown + "/logs", "/nope"}) {
            var r = api.get(BASE + path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        assertThat(api.send("PUT", BASE + "/" + unknown + "/cancel", null, null).status()).isEqualTo(404);

        String done = submit(repo(Map.of(".kiln/build", "#!/bin/sh\ntrue\n"))).get("id").asText();
        awaitEnd(done);
        for (String method : new String[] {"PUT", "POST"}) {
            var again = api.send(method, BASE + "/" + done + "/cancel", null, null);
            assertThat(again.status()).as(method).isEqualTo(409);
            assertThat(again.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void cancellingARunningBuildIsAcceptedThenItEndsCancelled() throws Exception {
        Path repo = repo(Map.of(".kiln/build", "#!/bin/sh\necho started\nsleep 60\n"));
        String id = submit(repo).get("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> logs(id).stream().anyMatch(l -> l.endsWith("] started")));
        JsonNode building = api.get(BASE + "/" + id + "/status").json();
        assertThat(building.get("status").asText()).isEqualTo("building");
        assertThat(building.get("queue_info").isNull()).isTrue();
        assertThat(api.get(BASE + "/" + id + "/logs").json().get("streaming").asBoolean()).isTrue();

        var cancel = api.send("POST", BASE + "/" + id + "/cancel", null, null);
        assertThat(cancel.status()).isEqualTo(202);
        assertThat(cancel.json().get("success").asBoolean()).isTrue();
        assertThat(cancel.json().get("resource_id").asText()).isEqualTo(id);
        JsonNode ended = awaitEnd(id);
        assertThat(ended.get("status").asText()).isEqualTo("cancelled");
        assertThat(ended.get("error_message").isNull()).isTrue();
    }
}
