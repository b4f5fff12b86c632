package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Services on a real server and its embedded agent (two slots): readiness (starting → running), stop (no process
 * survives, not even one that ignores SIGTERM or left the group), the restart policy (backoff, then giving up at the
 * limit), the slots services hold and the words the queue uses for them.
 */
class ServicesIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    final List<String> started = new ArrayList<>();

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    /** Every service a test started is stopped, so the next test has both slots. */
    @AfterEach
    void stopServices() {
        for (String id : started) {
            kiln.api.post("/api/v1/jobs/" + id + "/stop", "");
            kiln.api.awaitStatus(id, Duration.ofSeconds(30), "stopped", "failed", "cancelled");
        }
    }

    String service(Map<String, Object> spec) {
        var body = new java.util.HashMap<String, Object>(spec);
        body.put("service", true);
        String id = kiln.api.submit(body).get("id").asText();
        started.add(id);
        return id;
    }

    @Test
    void aServiceWithReadyWhenShowsStartingUntilItsLogLineThenRunning() throws Exception {
        Path go = dir.resolve("go-" + System.nanoTime());
        String id = service(Map.of("name", "web", "cancel_grace_seconds", 1,
                "command", "echo booting; while [ ! -f " + go + " ]; do sleep 0.05; done; echo 'listening on :8080'; sleep 600",
                "ready_when", Map.of("log", "listening on :\\d+")));
        JsonNode running = kiln.api.awaitStatus(id, Duration.ofSeconds(10), "running");
        assertThat(running.get("timeout_seconds")).as("not a field of the job view").isNull();
        assertThat(running.get("config").get("timeout_seconds").asLong()).as("a service has no timeout").isZero();
        assertThat(running.get("starting").asBoolean()).isTrue();
        assertThat(running.get("ready_at").isNull()).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(label(id)).isEqualTo("Starting server…"));

        Files.writeString(go, "");
        await().atMost(Duration.ofSeconds(10)).until(() -> !kiln.api.job(id).get("starting").asBoolean());
        JsonNode ready = kiln.api.job(id);
        assertThat(ready.get("status").asText()).isEqualTo("running");
        assertThat(Instant.parse(ready.get("ready_at").asText())).isAfterOrEqualTo(Instant.parse(ready.get("started_at").asText()));
        assertThat(events(id, "service.ready")).singleElement().satisfies(e ->
                assertThat(e.get("data").get("how").asText()).isEqualTo("a line of output matched /listening on :\\d+/"));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(label(id)).isEqualTo("Server running (web)"));
        assertThat(kiln.api.get("/api/v1/services").json().get("services").findValuesAsText("id")).contains(id);
    }

    @Test
    void aServiceWithATcpPortIsReadyWhenThePortAcceptsConnections() throws Exception {
        int port;
        try (var free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String jwebserver = Path.of(System.getProperty("java.home"), "bin", "jwebserver").toString();
        String id = service(Map.of("name", "static", "cancel_grace_seconds", 1,
                "command", "exec " + jwebserver + " -b 127.0.0.1 -p " + port + " -d " + dir,
                "ready_when", Map.of("tcp_port", port)));
        await().atMost(Duration.ofSeconds(20)).until(() -> kiln.api.job(id).get("ready_at").isTextual());
        assertThat(events(id, "service.ready").get(0).get("data").get("how").asText()).isEqualTo("port " + port + " accepts connections");
    }

    @Test
    void stopOfAServiceWhoseChildrenIgnoreSigtermLeavesNoProcess() throws Exception {
        Path pids = dir.resolve("pids-" + System.nanoTime());
        String command = String.join("\n",
                "bash -c 'trap \"\" TERM; while true; do sleep 0.1; done' &",
                "echo $! >> " + pids,
                "setsid bash -c 'trap \"\" TERM; while true; do sleep 0.1; done' &",
                "echo $! >> " + pids,
                "echo $$ >> " + pids,
                "trap '' TERM",
                "while true; do sleep 0.1; done");
        String id = service(Map.of("name", "stubborn", "command", command, "cancel_grace_seconds", 1));
        kiln.api.awaitStatus(id, Duration.ofSeconds(10), "running");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pids) && Files.readAllLines(pids).size() == 3);
        List<Long> children = Files.readAllLines(pids).stream().map(Long::parseLong).toList();
        assertThat(children).allSatisfy(pid -> assertThat(alive(pid)).as("pid %d before the stop", pid).isTrue());
        long pgid = kiln.api.job(id).get("attempts").get(0).get("pid").asLong();

        var stop = kiln.api.post("/api/v1/jobs/" + id + "/stop", "");
        assertThat(stop.status()).isEqualTo(202);
        assertThat(stop.json().get("status").asText()).isEqualTo("stopping");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(label(id)).isEqualTo("Stopping server…"));
        JsonNode stopped = kiln.api.awaitStatus(id, Duration.ofSeconds(30), "stopped");
        assertThat(stopped.get("error_message").asText()).isEqualTo("Stopped by user");
        assertThat(stopped.get("attempts")).as("a stop is not a failure: no restart").hasSize(1);

        assertThat(children).allSatisfy(pid -> assertThat(alive(pid)).as("pid %d after the stop", pid).isFalse());
        assertThat(CancelIT.processesInGroup(pgid)).as("processes left in the service's group").isEmpty();
        assertThat(CancelIT.processesWithEnv("KILN_JOB_ID=" + id)).as("processes of the service anywhere").isEmpty();
        assertThat(kiln.api.allLogLines(id, 1)).anySatisfy(l -> assertThat(l.get("text").asText()).contains("grace period over: sending SIGKILL"));
        assertThat(events(id, "job.stopping")).hasSize(1);
        assertThat(kiln.api.post("/api/v1/jobs/" + id + "/stop", "").status()).as("stopping a stopped service").isEqualTo(409);
    }

    @Test
    void onFailureRestartsWithBackoffThenGivesUpAtTheLimit() {
        String id = service(Map.of("name", "flaky", "command", "echo up; exit 0",
                "restart", Map.of("policy", "on_failure", "limit", 2, "backoff_seconds", 1)));
        JsonNode failed = kiln.api.awaitStatus(id, Duration.ofSeconds(30), "failed");
        assertThat(failed.get("error_message").asText()).isEqualTo("the service exited by itself (exit code 0)");
        assertThat(failed.get("config").get("restart")).isEqualTo(Api.JSON.valueToTree(
                Map.of("policy", "on_failure", "limit", 2, "backoff_seconds", 1)));
        JsonNode attempts = failed.get("attempts");
        assertThat(attempts).as("the first run and two restarts, then it gives up").hasSize(3);
        List<JsonNode> retrying = events(id, "job.retrying");
        assertThat(retrying).hasSize(2);
        for (int restart = 1; restart <= 2; restart++) {
            long floorMs = 1000L << (restart - 1);
            JsonNode data = retrying.get(restart - 1).get("data");
            assertThat(data.get("delay_ms").asLong()).as("restart %d's backoff", restart).isBetween(floorMs, 2 * floorMs - 1);
            Instant ended = Instant.parse(attempts.get(restart - 1).get("finished_at").asText());
            Instant next = Instant.parse(attempts.get(restart).get("created_at").asText());
            assertThat(next).as("restart %d waits out its backoff", restart).isAfterOrEqualTo(Instant.parse(data.get("not_before").asText()));
            assertThat(Duration.between(ended, next)).isGreaterThanOrEqualTo(Duration.ofMillis(floorMs));
        }
        assertThat(events(id, "job.finished")).hasSize(3).allSatisfy(e -> assertThat(e.get("data").get("status").asText()).isEqualTo("failed"));
        assertThat(events(id, "service.failed")).as("down for good, said once").singleElement()
                .satisfies(e -> assertThat(e.get("data").get("attempt").asInt()).isEqualTo(3));
    }

    @Test
    void servicesHoldTheirSlotsAndTheQueueSaysSoUntilOneIsStopped() {
        String a = service(Map.of("name", "api", "command", "sleep 600", "cancel_grace_seconds", 1));
        String b = service(Map.of("name", "worker", "command", "sleep 600", "cancel_grace_seconds", 1));
        kiln.api.awaitStatus(a, Duration.ofSeconds(10), "running");
        kiln.api.awaitStatus(b, Duration.ofSeconds(10), "running");
        String build = kiln.api.submit(Map.of("command", "echo built", "name", "after")).get("id").asText();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode reason = kiln.api.get("/api/v1/jobs/" + build + "/status").json().get("queue_info").get("waiting_reason");
            assertThat(reason.get("code").asText()).isEqualTo("full_with_services");
            assertThat(reason.get("message").asText()).matches("agent .+ is full: 2 services running");
        });
        assertThat(kiln.api.get("/api/v1/services").json().get("services").findValuesAsText("id")).containsExactly(a, b);

        assertThat(kiln.api.post("/api/v1/jobs/" + b + "/stop", "").status()).isEqualTo(202);
        kiln.api.awaitStatus(build, Duration.ofSeconds(30), "succeeded");
        assertThat(kiln.api.job(b).get("status").asText()).isEqualTo("stopped");
    }

    @Test
    void aQueuedServiceStopsAtOnceAndAJobIsCancelledNotStopped() {
        String holder1 = service(Map.of("command", "sleep 600", "cancel_grace_seconds", 1));
        String holder2 = service(Map.of("command", "sleep 600", "cancel_grace_seconds", 1));
        kiln.api.awaitStatus(holder1, Duration.ofSeconds(10), "running");
        kiln.api.awaitStatus(holder2, Duration.ofSeconds(10), "running");
        String queued = service(Map.of("command", "sleep 600"));
        var stop = kiln.api.post("/api/v1/jobs/" + queued + "/stop", "");
        assertThat(stop.status()).isEqualTo(200);
        assertThat(stop.json().get("status").asText()).isEqualTo("stopped");
        assertThat(kiln.api.job(queued).get("attempts")).isEmpty();

        String job = kiln.api.submit(Map.of("command", "sleep 600")).get("id").asText();
        var refused = kiln.api.post("/api/v1/jobs/" + job + "/stop", "");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("detail").asText()).contains("not a service").contains("/cancel");
        kiln.api.post("/api/v1/jobs/" + job + "/cancel", "");
        assertThat(kiln.api.post("/api/v1/jobs/00000000-0000-4000-8000-000000000000/stop", "").status()).isEqualTo(404);
        var bad = kiln.api.post("/api/v1/jobs", Map.of("command", "x", "ready_when", Map.of("tcp_port", 80)));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").get(0).get("field").asText()).isEqualTo("ready_when");
    }

    String label(String id) {
        for (JsonNode item : kiln.api.get("/api/v1/activity").json().get("items")) {
            if (item.get("job_id").asText().equals(id)) return item.get("label").asText();
        }
        return null;
    }

    List<JsonNode> events(String id, String kind) {
        var out = new ArrayList<JsonNode>();
        for (JsonNode e : kiln.api.get("/api/v1/jobs/" + id + "/events").json().get("events")) {
            if (e.get("kind").asText().equals(kind)) out.add(e);
        }
        return out;
    }

    static boolean alive(long pid) throws IOException {
        Path stat = Path.of("/proc", String.valueOf(pid), "stat");
        try {
            String s = Files.readString(stat);
            return !s.substring(s.lastIndexOf(')') + 2).startsWith("Z"); // a zombie is gone, awaiting its reaper
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }
}
