package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.fleet.FleetRegistry;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two remote agents, each a JVM of its own ({@link AgentMain}); the one running a job is killed with SIGKILL. How long
 * after the kill is its attempt lost (against the configured {@code agentLostAfter}, the least it can take), and the
 * retry on the other agent done. Was "< 20 s" and "< 25 s" assertions in FleetIT.
 */
final class AgentLostScenario {
    static final int LOST_AFTER_SECONDS = 3;
    static final int HEARTBEAT_SECONDS = 6;
    private final Bench bench;

    AgentLostScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        Path data = Files.createTempDirectory("kiln-bench");
        bench.startServerWith(new ServerConfig(data, "127.0.0.1", 0, false, "embedded", 0, Map.of(),
                new FleetRegistry.Timing(Duration.ofSeconds(LOST_AFTER_SECONDS), Duration.ofSeconds(HEARTBEAT_SECONDS)), true));
        Process first = null, second = null;
        try {
            first = launchAgent("first", data.resolve("agents/first"));
            awaitOnline(1);
            String id = bench.submit(Map.of("command", "if [ \"$KILN_ATTEMPT\" = 1 ]; then sleep 120; fi; echo finished",
                    "labels", Map.of("zone", "a"), "retry", Map.of("limit", 1, "on", List.of("agent_lost")))).get("id").asText();
            while (!bench.get("/api/v1/jobs/" + id + "/status").get("status").asText().equals("running")) Thread.sleep(20);
            second = launchAgent("second", data.resolve("agents/second"));
            awaitOnline(2);
            Instant killed = Instant.now();
            first.destroyForcibly().waitFor(); // SIGKILL
            JsonNode job = bench.awaitDone(id);
            if (!job.get("status").asText().equals("succeeded") || job.get("attempts").size() != 2) {
                throw new IllegalStateException("expected a lost attempt and a retry that succeeded: " + job);
            }
            JsonNode lost = job.get("attempts").get(0);
            double lostAfter = Duration.between(killed, Instant.parse(lost.get("finished_at").asText())).toNanos() / 1e9;
            double doneAfter = Duration.between(killed, Instant.parse(job.get("completed_at").asText())).toNanos() / 1e9;
            // the killed agent's job (its own process group, sleeping 120 s) outlives it: end it
            ProcessHandle.of(lost.get("pid").asLong()).ifPresent(orphan -> {
                orphan.descendants().forEach(ProcessHandle::destroyForcibly);
                orphan.destroyForcibly();
            });
            Bench.report("agent-lost", String.format("agent kill -9 mid-job: attempt lost %.2f s after the kill (agent lost after %d s: "
                            + "+%.0f ms), the retry on the other agent done %.2f s after the kill (+%.0f ms more)",
                    lostAfter, LOST_AFTER_SECONDS, (lostAfter - LOST_AFTER_SECONDS) * 1000, doneAfter, (doneAfter - lostAfter) * 1000));
        } finally {
            stop(first);
            stop(second);
        }
    }

    private Process launchAgent(String name, Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        var r = bench.http().send(bench.request("/api/v1/tokens").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Bench.JSON.writeValueAsString(Map.of("name", name, "role", "agent")))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IOException("token: " + r.statusCode() + " " + r.body());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AgentMain.class.getName(),
                bench.base(), name, "zone=a", "1", workDir.toString());
        pb.environment().put("KILN_AGENT_TOKEN", Bench.JSON.readTree(r.body()).get("token").asText());
        return pb.redirectErrorStream(true).redirectOutput(workDir.resolve("agent.log").toFile()).start();
    }

    private void awaitOnline(int agents) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (bench.get("/api/v1/workers").get("workers").findValuesAsText("state").stream().filter("online"::equals).count() < agents) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("fewer than " + agents + " agents online after 60 s");
            Thread.sleep(50);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
    }
}
