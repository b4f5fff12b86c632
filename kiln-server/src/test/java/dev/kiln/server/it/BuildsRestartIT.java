package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a server process while builds execute: after the restart both builds (one delegating to the other)
 * carry on from where they were, and no partition gets a second job; a build that was planning ends with a reason.
 */
class BuildsRestartIT {
    @TempDir Path dir;

    @Test
    void buildsExecutingWhenTheServerIsKilledCarryOnAfterARestartAndNothingIsBuiltTwice() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Path yaml = dir.resolve("kiln.yaml");
        Files.writeString(yaml, """
                version: 1
                jobs:
                  first:
                    outputs: ["first/d={d}"]
                    command: echo first {d} >> $OUT/runs.log
                    env: &e {OUT: %s}
                  gated:
                    outputs: ["gated/d={d}"]
                    inputs: ["first/d={d}"]
                    command: while [ ! -f $OUT/gate ]; do sleep 0.05; done; echo gated {d} >> $OUT/gated.log
                    retry: {limit: 1, on: [agent_lost]}
                    env: *e
                  top:
                    outputs: ["top/d={d}"]
                    inputs: ["gated/d={d}"]
                    command: echo top {d} >> $OUT/runs.log; echo "$TOP_SECRET" | sha256sum > $OUT/top-secret
                    env: *e
                    secrets: {TOP_SECRET: s3cr3t}
                  configured:
                    outputs: ["configured/w={w}"]
                    config: while [ ! -f $OUT/gate ]; do sleep 0.05; done; echo '{}'
                    command: echo configured >> $OUT/runs.log
                    env: *e
                """.formatted(out));
        Path data = dir.resolve("data");
        String maker;
        String waiter;
        String planning;
        try (var server = ServerProcess.launch(data, 2, 3, 6, 0, yaml)) {
            Api api = server.api();
            maker = api.post("/api/v1/builds", Map.of("partitions", List.of("top/d=1"))).json().get("id").asText();
            waiter = api.post("/api/v1/builds", Map.of("partitions", List.of("top/d=1", "first/d=2"))).json().get("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> api.get("/api/v1/builds/" + maker).json().at("/jobs/1/status").asText().equals("running"));
            assertThat(api.get("/api/v1/builds/" + waiter).json().at("/partitions/1/status").asText()).isEqualTo("delegated");
            planning = api.post("/api/v1/builds", Map.of("partitions", List.of("configured/w=1"))).json().get("id").asText();
            assertThat(api.get("/api/v1/builds/" + planning).json().get("status").asText()).isEqualTo("planning");
            server.kill9();
        }
        Files.writeString(out.resolve("gate"), "go");
        try (var server = ServerProcess.launch(data, 2, 3, 6, 0, yaml)) {
            Api api = server.api();
            for (String id : List.of(maker, waiter)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> List.of("completed", "failed").contains(api.get("/api/v1/builds/" + id).json().get("status").asText()));
                JsonNode b = api.get("/api/v1/builds/" + id).json();
                assertThat(b.get("status").asText()).as(b.toString()).isEqualTo("completed");
            }
            JsonNode jobs = api.get("/api/v1/builds/" + maker).json().get("jobs");
            assertThat(jobs).extracting(j -> j.get("key").asText() + " " + j.get("status").asText())
                    .containsExactly("first#1 succeeded", "gated#1 succeeded", "top#1 succeeded");
            // top was still waiting at the kill: it ran with its real secret, not the '***' its stored spec shows
            assertThat(Files.readString(out.resolve("top-secret"))).startsWith(sha256("s3cr3t\n"));
            JsonNode gated = api.get("/api/v1/jobs/" + jobs.get(1).get("job_id").asText()).json();
            assertThat(gated.get("attempts")).as("the job lost with the server ran again as its own retry").hasSize(2);
            // every partition has one job across both builds: the waiter built only what it alone asked for
            var jobIds = new HashSet<String>();
            for (String id : List.of(maker, waiter)) {
                api.get("/api/v1/builds/" + id).json().get("jobs").forEach(j -> assertThat(jobIds.add(j.get("job_id").asText())).isTrue());
            }
            assertThat(api.get("/api/v1/builds/" + waiter).json().get("jobs")).extracting(j -> j.get("key").asText()).containsExactly("first#1");
            assertThat(Files.readAllLines(out.resolve("runs.log"))).containsExactlyInAnyOrder("first 1", "first 2", "top 1");
            // a build caught planning (its config step ran) ends with a reason: the graph it planned with is gone
            JsonNode stopped = api.get("/api/v1/builds/" + planning).json();
            assertThat(stopped.get("status").asText()).isEqualTo("failed");
            assertThat(stopped.get("reason").asText()).contains("server stopped while the build was planned");
        }
    }

    private static String sha256(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
