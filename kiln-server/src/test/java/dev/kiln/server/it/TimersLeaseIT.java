package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Servers on one PostgreSQL, each a JVM of its own killed with -9: one of them at a time owns the cluster-wide timers
 * (the lease), and another takes them over when it dies; the jobs of an agent whose server and agent both died are
 * given up and retried elsewhere; an agent that moves while its first server lives keeps its job; notifications are
 * sent once, by the lease holder, and its successor sends what it left pending.
 */
class TimersLeaseIT {
    private static final Pattern HELD = Pattern.compile("(?m)^kiln_timers_lease_held(?:\\{[^}]*})? ([0-9.]+)$");
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void exactlyOneServerHoldsTheLeaseAndAnotherTakesItOverWhenItIsKilled() throws Exception {
        String database = TestPostgres.newDatabase();
        List<ServerProcess.Handle> servers = new ArrayList<>();
        try {
            for (String name : List.of("a", "b", "c")) servers.add(launch(name, 0, 3, 6, database));
            await().atMost(WITHIN).until(() -> holders(servers).size() == 1);
            var holder = holders(servers).getFirst();
            assertThat(holder.api().get("/health/ready").json().at("/checks/timers/detail").asText())
                    .startsWith("this server runs the cluster-wide timers");

            holder.kill9();
            servers.remove(holder);

            await().atMost(WITHIN).until(() -> holders(servers).size() == 1);
            for (var s : servers) {
                boolean holds = holders(List.of(s)).size() == 1;
                assertThat(s.api().get("/health/ready").json().at("/checks/timers/detail").asText())
                        .startsWith(holds ? "this server runs" : "another server runs");
            }
        } finally {
            for (var s : servers) s.close();
        }
    }

    @Test
    void aJobWhoseServerAndAgentBothDiedIsRetriedOnAnotherAgent() throws Exception {
        String database = TestPostgres.newDatabase();
        Path marker = dir.resolve("first-attempt-ran");
        // the first attempt stays running until it is killed; the retry sees the marker and succeeds at once
        String command = "if [ -e '" + marker + "' ]; then echo retried; else touch '" + marker + "'; sleep 40; fi";
        try (var a = launch("a", 0, 3, 6, database)) {
            KilnTestServer.shareSecretsKey(dir.resolve("a"), dir.resolve("b"));
            try (var b = launch("b", 0, 3, 6, database)) {
                // the first agent knows server a only: when both die, nothing comes back to any server
                Process first = AgentProcess.launch(a.baseUrl(), a.api().createToken("first", "agent"), "first", "", 1,
                        dir.resolve("agent-first"));
                Process second = null;
                try {
                    String id = a.api().submit(Map.of("name", "stranded", "command", command,
                            "retry", Map.of("limit", 1, "on", List.of("agent_lost"), "backoff_seconds", 1))).get("id").asText();
                    a.api().awaitStatus(id, WITHIN, "running");
                    await().atMost(WITHIN).until(() -> java.nio.file.Files.exists(marker));

                    first.destroyForcibly().waitFor();
                    a.kill9();
                    second = AgentProcess.launch(b.baseUrl(), b.api().createToken("second", "agent"), "second", "", 1,
                            dir.resolve("agent-second"));

                    JsonNode job = b.api().awaitStatus(id, WITHIN, "succeeded", "failed", "lost");
                    assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
                    JsonNode attempts = b.api().job(id).get("attempts");
                    assertThat(attempts).hasSize(2);
                    assertThat(attempts.get(0).get("status").asText()).isEqualTo("lost");
                    assertThat(attempts.get(1).get("status").asText()).isEqualTo("succeeded");
                    assertThat(b.api().allLogLines(id, 2).stream().map(l -> l.get("text").asText())).contains("retried");
                } finally {
                    first.destroyForcibly().waitFor();
                    if (second != null) AgentProcess.stop(second);
                }
            }
        }
    }

    @Test
    void anAgentThatMovesWhileItsFirstServerLivesKeepsItsJob() throws Exception {
        String database = TestPostgres.newDatabase();
        // a closes an agent's connection after 3 s of silence, and gives its jobs up 6 s later unless it is elsewhere
        try (var a = launch("a", 0, 6, 3, database)) {
            KilnTestServer.shareSecretsKey(dir.resolve("a"), dir.resolve("b"));
            try (var b = launch("b", 0, 6, 3, database)) {
                Process agent = AgentProcess.launch(a.baseUrl() + "," + b.baseUrl(), a.api().createToken("mover", "agent"),
                        "mover", "", 1, dir.resolve("agent"));
                try {
                    await().atMost(WITHIN).until(() -> online(a.api()) == 1);
                    String id = a.api().submit(Map.of("name", "moves", "command",
                            "for i in $(seq 1 250); do echo \"line $i\"; sleep 0.1; done")).get("id").asText();
                    a.api().awaitStatus(id, WITHIN, "running");

                    // frozen, the agent goes silent: a closes its connection; woken, it moves on to b, a still alive
                    AgentProcess.signal(agent, "STOP");
                    await().atMost(WITHIN).until(() -> online(a.api()) == 0);
                    AgentProcess.signal(agent, "CONT");
                    await().atMost(WITHIN).until(() -> online(b.api()) == 1);

                    JsonNode job = b.api().awaitStatus(id, WITHIN, "succeeded", "failed", "lost");
                    assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
                    assertThat(b.api().job(id).get("attempts")).hasSize(1);
                    assertThat(kinds(b.api(), id)).doesNotContain("job.lost", "job.retrying");
                    // a let go of the job b took over: the agent's slot there is free again
                    await().atMost(WITHIN).until(() -> activeJobsOn(a.api(), "mover") == 0);
                } finally {
                    AgentProcess.signal(agent, "CONT");
                    AgentProcess.stop(agent);
                }
            }
        }
    }

    @Test
    void theLeaseHolderAloneSendsNotificationsAndItsSuccessorSendsWhatItLeftPending() throws Exception {
        String database = TestPostgres.newDatabase();
        try (var receiver = WebhookReceiver.started(); var a = launch("a", 4, 3, 6, database)) {
            KilnTestServer.shareSecretsKey(dir.resolve("a"), dir.resolve("b"));
            try (var b = launch("b", 4, 3, 6, database)) {
                var servers = new ArrayList<>(List.of(a, b));
                // made through a while b runs: b takes it in within seconds, so both servers' outboxes write deliveries
                String sub = a.api().post("/api/v1/notifications", Map.of("url", receiver.url("/hook"),
                        "events", List.of("job.succeeded"))).json().get("id").asText();
                await().atMost(WITHIN).until(() -> b.api().get("/api/v1/notifications").body().contains(sub));
                // both servers run jobs, so both commit deliveries and both senders are woken by them
                List<String> ids = submit(servers, 20, "first");
                for (String id : ids) a.api().awaitStatus(id, WITHIN, "succeeded");
                await().atMost(WITHIN).until(() -> delivered(a.api(), sub) == ids.size());
                assertThat(receiver.receivedAt("/hook")).as("each delivery once").hasSize(ids.size())
                        .extracting(WebhookReceiver.Received::deliveryId).doesNotHaveDuplicates();

                // the receiver is down while more jobs end: their deliveries stay pending; then the holder dies
                receiver.stop();
                List<String> more = submit(servers, 6, "second");
                for (String id : more) a.api().awaitStatus(id, WITHIN, "succeeded");
                await().atMost(WITHIN).until(() -> deliveries(a.api(), sub).stream()
                        .filter(d -> d.get("status").asText().equals("pending") && d.get("attempts").asInt() > 0)
                        .count() == more.size());
                await().atMost(WITHIN).until(() -> holders(servers).size() == 1);
                var holder = holders(servers).getFirst();
                holder.kill9();
                servers.remove(holder);
                var survivor = servers.getFirst();
                receiver.start();

                await().atMost(WITHIN).until(() -> delivered(survivor.api(), sub) == ids.size() + more.size());
                assertThat(receiver.receivedAt("/hook")).as("each delivery once").hasSize(ids.size() + more.size())
                        .extracting(WebhookReceiver.Received::deliveryId).doesNotHaveDuplicates();
            }
        }
    }

    private ServerProcess.Handle launch(String name, int capacity, int lostAfter, int heartbeat, String database)
            throws Exception {
        return ServerProcess.launch(dir.resolve(name), capacity, lostAfter, heartbeat, 0,
                Map.of("database", database, "notify-backoff", "1"));
    }

    /** The servers whose {@code /metrics} say they hold the lease (a dead one says nothing). */
    private static List<ServerProcess.Handle> holders(List<ServerProcess.Handle> servers) {
        List<ServerProcess.Handle> holding = new ArrayList<>();
        for (var s : servers) {
            var m = HELD.matcher(s.api().get("/metrics").body());
            assertThat(m.find()).as("the lease gauge is on /metrics").isTrue();
            if (Double.parseDouble(m.group(1)) == 1) holding.add(s);
        }
        return holding;
    }

    /** Jobs submitted to each server in turn. */
    private static List<String> submit(List<ServerProcess.Handle> servers, int n, String name) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(servers.get(i % servers.size()).api().submit(Map.of("name", name + "-" + i, "command", "true"))
                    .get("id").asText());
        }
        return ids;
    }

    private static List<JsonNode> deliveries(Api api, String subscription) {
        return StreamSupport.stream(api.get("/api/v1/notifications/" + subscription + "/deliveries").json()
                .get("deliveries").spliterator(), false).toList();
    }

    private static long delivered(Api api, String subscription) {
        return deliveries(api, subscription).stream().filter(d -> d.get("status").asText().equals("delivered")).count();
    }

    private static int online(Api api) {
        int n = 0;
        for (JsonNode w : api.get("/api/v1/workers").json().get("workers")) {
            if (!w.get("state").asText().equals("offline")) n++;
        }
        return n;
    }

    private static int activeJobsOn(Api api, String agent) {
        for (JsonNode w : api.get("/api/v1/workers").json().get("workers")) {
            if (w.get("name").asText().equals(agent)) return w.get("active_jobs").size();
        }
        throw new AssertionError("no agent " + agent);
    }

    private static List<String> kinds(Api api, String id) {
        return StreamSupport.stream(api.get("/api/v1/jobs/" + id + "/events").json().get("events").spliterator(), false)
                .map(e -> e.get("kind").asText()).toList();
    }
}
