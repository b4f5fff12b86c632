package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Build requests on a real server with its embedded agent: real shell commands append to {@code runs.log}, so each
 * test counts how often a partition was really built. "Gated" jobs wait for a file the test creates, so a test
 * decides when they end (no sleeps).
 */
class BuildsIT {
    static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir Path dir;
    Path out;
    KilnTestServer kiln;

    static String graph(Path out, String afterWord) {
        return """
                version: 1
                jobs:
                  raw:
                    outputs: ["raw/d={d}"]
                    command: echo raw {d} >> $OUT/runs.log
                    env: &e {OUT: %s}
                  left:
                    outputs: ["left/d={d}"]
                    inputs: ["raw/d={d}"]
                    command: echo left {d} >> $OUT/runs.log
                    env: *e
                  right:
                    outputs: ["right/d={d}"]
                    inputs: ["raw/d={d}"]
                    command: echo right {d} >> $OUT/runs.log
                    env: *e
                  top:
                    outputs: ["top/d={d}"]
                    inputs: ["left/d={d}", "right/d={d}"]
                    command: echo top {d} >> $OUT/runs.log
                    env: *e
                  slow:
                    outputs: ["slow/d={d}"]
                    command: while [ ! -f $OUT/gate-{d} ]; do sleep 0.05; done; echo slow {d} >> $OUT/runs.log
                    env: *e
                  after:
                    outputs: ["after/d={d}"]
                    inputs: ["slow/d={d}"]
                    command: echo %s {d} >> $OUT/runs.log
                    env: *e
                  bad:
                    outputs: ["bad/d={d}"]
                    command: echo broken >&2; exit 3
                    env: *e
                  needs_bad:
                    outputs: ["needsbad/d={d}"]
                    inputs: ["bad/d={d}", "raw/d={d}"]
                    command: echo needsbad {d} >> $OUT/runs.log
                    env: *e
                  weekly:
                    outputs: ["weekly/w={w}"]
                    config: sh $OUT/config.sh
                    command: echo weekly {w} $MODE >> $OUT/runs.log
                    env: *e
                  not_json:
                    outputs: ["notjson/w={w}"]
                    config: echo this is not json; echo cfg-problem >&2
                    command: echo never >> $OUT/runs.log
                    env: *e
                  config_exits:
                    outputs: ["exits/w={w}"]
                    config: echo no inputs for you >&2; exit 2
                    command: echo never >> $OUT/runs.log
                    env: *e
                """.formatted(out, afterWord);
    }

    @BeforeEach
    void start() throws IOException {
        out = Files.createDirectories(dir.resolve("out"));
        Path yaml = dir.resolve("kiln.yaml");
        Files.writeString(yaml, graph(out, "after"));
        // the weekly definition's config step: each week's inputs are two raw days, with an argument and an env var
        Files.writeString(out.resolve("config.sh"), """
                printf '{'
                sep=''
                for ref in $KILN_PARTITIONS; do
                  w=${ref#weekly/w=}
                  printf '%s"%s": {"inputs": ["raw/d=%sa", "raw/d=%sb"], "args": ["--fast"], "env": {"MODE": "x"}}' "$sep" "$ref" "$w" "$w"
                  sep=','
                done
                printf '}\\n'
                """);
        kiln = KilnTestServer.start(dir.resolve("data"), 4, c -> c.withGraphFile(yaml));
    }

    @AfterEach
    void stop() {
        if (kiln != null) kiln.close();
    }

    JsonNode request(boolean force, String... refs) {
        var r = kiln.api.post("/api/v1/builds", Map.of("partitions", List.of(refs), "force", force));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json();
    }

    JsonNode build(String id) {
        var r = kiln.api.get("/api/v1/builds/" + id);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    JsonNode awaitBuild(String id, String... statuses) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> List.of(statuses).contains(build(id).get("status").asText()));
        return build(id);
    }

    List<String> runs() throws IOException {
        Path log = out.resolve("runs.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    void open(String gate) throws IOException {
        Files.writeString(out.resolve("gate-" + gate), "go");
    }

    static String enc(String ref) {
        return URLEncoder.encode(ref, StandardCharsets.UTF_8).replace("+", "%20");
    }

    List<String> eventKinds(String path) {
        var kinds = new ArrayList<String>();
        kiln.api.get(path).json().get("items").forEach(e -> kinds.add(e.get("kind").asText()));
        return kinds;
    }

    @Test
    void aDiamondBuildsEachPartitionOnceThenIsSkippedAsAvailableUnlessForced() throws IOException {
        JsonNode submitted = request(false, "top/d=1");
        String id = submitted.get("id").asText();
        JsonNode done = awaitBuild(id, "completed", "failed");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(runs()).containsExactlyInAnyOrder("raw 1", "left 1", "right 1", "top 1");
        assertThat(runs().indexOf("top 1")).isEqualTo(3);
        assertThat(done.get("jobs")).extracting(j -> j.get("key").asText()).containsExactly("raw#1", "left#1", "right#1", "top#1");
        assertThat(done.at("/jobs/3/depends_on")).extracting(JsonNode::asText).containsExactly("left#1", "right#1");
        assertThat(done.get("jobs")).allSatisfy(j -> assertThat(j.get("status").asText()).isEqualTo("succeeded"));
        assertThat(done.at("/partitions/0/status").asText()).isEqualTo("available");
        assertThat(done.at("/counts/available").asInt()).isEqualTo(1);
        assertThat(done.get("jobs_done").asInt()).isEqualTo(4);
        assertThat(done.get("graph_version").asText()).isEqualTo(kiln.api.get("/api/v1/graph").json().get("version").asText());
        assertThat(eventKinds("/api/v1/builds/" + id + "/events")).startsWith("build.received", "build.planning", "build.planned")
                .contains("build.executing", "build.job_scheduled", "build.job_started", "build.job_finished", "partition.status")
                .endsWith("build.completed");
        var statuses = new ArrayList<String>();
        kiln.api.get("/api/v1/partitions/" + enc("top/d=1") + "/events").json().get("items")
                .forEach(e -> statuses.add(e.get("kind").asText() + " " + e.at("/data/status").asText()));
        assertThat(statuses).containsExactly("partition.status scheduled", "partition.status building", "partition.status available");
        JsonNode status = kiln.api.get("/api/v1/partitions/" + enc("raw/d=1") + "/status").json();
        assertThat(status.get("status").asText()).isEqualTo("available");
        assertThat(status.get("build_id").asText()).isEqualTo(id);
        JsonNode partitions = kiln.api.get("/api/v1/partitions?prefix=" + enc("left/")).json();
        assertThat(partitions.get("items")).extracting(p -> p.get("ref").asText()).containsExactly("left/d=1");
        assertThat(partitions.at("/counts/available").asInt()).isEqualTo(1);

        // historical delegation: available already, nothing runs
        JsonNode again = request(false, "top/d=1");
        JsonNode skipped = awaitBuild(again.get("id").asText(), "completed");
        assertThat(skipped.get("jobs")).isEmpty();
        assertThat(skipped.at("/partitions/0/delegation/kind").asText()).isEqualTo("historical");
        assertThat(skipped.at("/partitions/0/delegation/build_id").asText()).isEqualTo(id);

        // force builds the requested partition again, not its inputs
        JsonNode forced = awaitBuild(request(true, "top/d=1").get("id").asText(), "completed", "failed");
        assertThat(forced.get("status").asText()).isEqualTo("completed");
        assertThat(forced.get("jobs")).extracting(j -> j.get("key").asText()).containsExactly("top#1");
        assertThat(runs()).containsExactlyInAnyOrder("raw 1", "left 1", "right 1", "top 1", "top 1");
    }

    @Test
    void aSecondRequestForAPartitionInFlightWaitsForTheFirstBuildAndNothingIsBuiltTwice() throws IOException {
        String first = request(false, "after/d=2").get("id").asText();
        String second = request(false, "after/d=2", "raw/d=2").get("id").asText();
        JsonNode waiting = build(second);
        assertThat(waiting.at("/partitions/0/ref").asText()).isEqualTo("after/d=2");
        assertThat(waiting.at("/partitions/0/status").asText()).isEqualTo("delegated");
        assertThat(waiting.at("/partitions/0/delegation/kind").asText()).isEqualTo("active");
        assertThat(waiting.at("/partitions/0/delegation/build_id").asText()).isEqualTo(first);
        assertThat(waiting.get("jobs")).extracting(j -> j.get("key").asText()).containsExactly("raw#1");
        assertThat(build(first).get("waited_on_by")).extracting(w -> w.get("build_id").asText()).containsExactly(second);
        assertThat(eventKinds("/api/v1/builds/" + first + "/events")).contains("build.delegated");
        JsonNode activity = kiln.api.get("/api/v1/activity").json();
        assertThat(activity.get("busy").asBoolean()).isTrue();
        assertThat(activity.get("builds")).extracting(b -> b.get("kind").asText() + " " + b.get("id").asText() + " " + b.get("label").asText())
                .contains("build " + first + " Building 0/1 partitions…");

        open("2");
        assertThat(awaitBuild(first, "completed", "failed").get("status").asText()).isEqualTo("completed");
        JsonNode followed = awaitBuild(second, "completed", "failed");
        assertThat(followed.get("status").asText()).as(followed.toString()).isEqualTo("completed");
        assertThat(followed.at("/partitions/0/status").asText()).isEqualTo("available");
        assertThat(runs()).containsExactlyInAnyOrder("slow 2", "after 2", "raw 2");
    }

    @Test
    void aFailedInputFailsWhatDependsOnItAndNothingDownstreamRuns() throws IOException {
        String id = request(false, "needsbad/d=3").get("id").asText();
        JsonNode failed = awaitBuild(id, "failed", "completed");
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("reason").asText()).contains("bad#1").contains("failed");
        JsonNode needs = failed.get("jobs").get(2);
        assertThat(needs.get("key").asText()).isEqualTo("needs_bad#1");
        assertThat(needs.get("status").asText()).isEqualTo("skipped");
        assertThat(needs.get("job_id").isNull()).isTrue();
        assertThat(needs.get("reason").asText()).contains("bad/d=3");
        assertThat(failed.at("/partitions/0/status").asText()).isEqualTo("failed");
        assertThat(runs()).containsExactly("raw 3");
        assertThat(kiln.api.get("/api/v1/partitions/" + enc("bad/d=3") + "/status").json().get("status").asText()).isEqualTo("failed");
        assertThat(kiln.api.get("/api/v1/partitions/" + enc("needsbad/d=3") + "/status").json().get("status").asText())
                .as("never built: missing, and which definition makes it").isEqualTo("missing");
    }

    @Test
    void cancellingABuildKeepsTheJobsAnotherBuildWaitsOnAndCancelsTheRest() throws IOException {
        String first = request(false, "after/d=4", "slow/d=5").get("id").asText();
        String second = request(false, "after/d=4").get("id").asText();
        await().atMost(WITHIN).until(() -> build(first).get("jobs").get(0).get("status").asText().equals("running")
                && build(first).get("jobs").get(1).get("status").asText().equals("running"));
        JsonNode cancelled = kiln.api.post("/api/v1/builds/" + first + "/cancel", "{}").json();
        assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
        assertThat(kiln.api.post("/api/v1/builds/" + first + "/cancel", "{}").status()).isEqualTo(409);

        // slow/d=5 only the cancelled build wanted: its job is cancelled; slow/d=4 and after/d=4 go on for the second
        await().atMost(WITHIN).until(() -> statusOfJobMaking(first, "slow/d=5").equals("cancelled"));
        assertThat(statusOfJobMaking(first, "slow/d=4")).isEqualTo("running");
        open("4");
        JsonNode followed = awaitBuild(second, "completed", "failed");
        assertThat(followed.get("status").asText()).as(followed.toString()).isEqualTo("completed");
        assertThat(runs()).containsExactlyInAnyOrder("slow 4", "after 4");
        assertThat(build(first).get("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void fiftyConcurrentRequestsOverOverlappingPartitionsBuildEachPartitionExactlyOnce() throws Exception {
        var ids = new java.util.concurrent.ConcurrentLinkedQueue<String>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                int n = i;
                // each asks for three of eight days' diamonds, overlapping its neighbours
                pool.submit(() -> ids.add(request(false, "top/d=" + n % 8, "top/d=" + (n + 1) % 8, "left/d=" + (n + 3) % 8)
                        .get("id").asText()));
            }
        }
        assertThat(ids).hasSize(50);
        for (String id : ids) assertThat(awaitBuild(id, "completed", "failed").get("status").asText()).isEqualTo("completed");
        var expected = new ArrayList<String>();
        for (int d = 0; d < 8; d++) for (String def : List.of("raw", "left", "right", "top")) expected.add(def + " " + d);
        assertThat(runs()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aConfigStepRunsAsAPlanningJobAndItsInputsArgsAndEnvArePlanned() throws IOException {
        String id = request(false, "weekly/w=1").get("id").asText();
        JsonNode done = awaitBuild(id, "completed", "failed");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("jobs")).extracting(j -> j.get("key").asText() + " " + j.get("config_step").asBoolean() + " " + j.get("status").asText())
                .containsExactly("weekly#config true succeeded", "raw#1 false succeeded", "raw#2 false succeeded", "weekly#1 false succeeded");
        assertThat(runs()).containsExactlyInAnyOrder("raw 1a", "raw 1b", "weekly 1 x --fast");
        assertThat(eventKinds("/api/v1/builds/" + id + "/events")).containsSubsequence("build.planning", "build.job_scheduled",
                "build.job_finished", "build.planned", "build.executing", "build.completed");
    }

    @Test
    void aConfigStepThatFailsOrPrintsNoJsonFailsTheBuildWithItsStderr() throws IOException {
        JsonNode notJson = awaitBuild(request(false, "notjson/w=1").get("id").asText(), "failed", "completed");
        assertThat(notJson.get("status").asText()).isEqualTo("failed");
        assertThat(notJson.get("reason").asText()).contains("not_json#config").contains("not JSON").contains("stderr: cfg-problem");
        assertThat(notJson.at("/partitions/0/status").asText()).isEqualTo("failed");
        JsonNode exits = awaitBuild(request(false, "exits/w=1").get("id").asText(), "failed", "completed");
        assertThat(exits.get("reason").asText()).contains("config_exits#config failed with exit code 2").contains("no inputs for you");
        assertThat(runs()).isEmpty();
    }

    String statusOfJobMaking(String buildId, String ref) {
        for (JsonNode j : build(buildId).get("jobs")) {
            for (JsonNode p : j.get("partitions")) if (p.asText().equals(ref)) return j.get("status").asText();
        }
        throw new AssertionError("no job makes " + ref);
    }

    @Test
    void aGraphReloadLeavesRunningBuildsOnTheVersionThatPlannedThem() throws IOException {
        String oldVersion = kiln.api.get("/api/v1/graph").json().get("version").asText();
        String id = request(false, "after/d=6").get("id").asText();
        var put = kiln.api.send("PUT", "/api/v1/graph", "application/yaml", graph(out, "AFTER-NEW"));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        open("6");
        JsonNode done = awaitBuild(id, "completed", "failed");
        assertThat(done.get("graph_version").asText()).isEqualTo(oldVersion);
        assertThat(runs()).containsExactly("slow 6", "after 6");

        JsonNode next = awaitBuild(request(true, "after/d=6").get("id").asText(), "completed", "failed");
        assertThat(next.get("graph_version").asText()).isNotEqualTo(oldVersion);
        assertThat(runs()).containsExactly("slow 6", "after 6", "AFTER-NEW 6");
    }

    @Test
    void refsWithSlashesPercentAndUnicodeWorkInPaths() throws IOException {
        String ref = "raw/d=50%2F+ü&x?y#z";
        String id = request(false, ref).get("id").asText();
        assertThat(awaitBuild(id, "completed", "failed").get("status").asText()).isEqualTo("completed");
        assertThat(runs()).containsExactly("raw 50%2F+ü&x?y#z");
        var r = kiln.api.get("/api/v1/partitions/" + enc(ref) + "/status");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("ref").asText()).isEqualTo(ref);
        assertThat(eventKinds("/api/v1/partitions/" + enc(ref) + "/events")).isNotEmpty();
        assertThat(kiln.api.get("/api/v1/partitions/" + enc("nothing/makes=this") + "/status").status()).isEqualTo(404);
        var bad = kiln.api.post("/api/v1/builds", Map.of("partitions", List.of("nothing/makes=this")));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/errors/0/field").asText()).isEqualTo("partitions[0]");
        assertThat(kiln.api.post("/api/v1/builds", Map.of("partitions", List.of("raw/d=a b"))).json().get("detail").asText())
                .as("a ref holds no blanks").contains("no blanks");
    }
}
