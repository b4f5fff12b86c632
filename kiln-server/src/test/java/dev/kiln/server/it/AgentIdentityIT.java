package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agents are who their token says: a token speaks for one agent id, and an identity has one live connection. */
class AgentIdentityIT {
    @TempDir
    Path dir;
    KilnTestServer kiln;

    @BeforeEach
    void start() {
        kiln = KilnTestServer.start(dir, 1);
        FleetIT.awaitAgents(kiln.api, 1);
    }

    @AfterEach
    void stop() {
        kiln.close();
    }

    AgentWire wire(String token) throws Exception {
        return AgentWire.open(kiln.server.baseUrl(), token);
    }

    JsonNode worker(String name) {
        for (JsonNode w : kiln.api.get("/api/v1/workers").json().get("workers")) if (w.get("name").asText().equals(name)) return w;
        return null;
    }

    @Test
    void anAgentTokenCannotClaimTheEmbeddedAgentsIdNorPushItOff() throws Exception {
        String embeddedId = worker("embedded").get("id").asText();
        try (var impostor = wire(kiln.api.createToken("impostor", "agent"))) {
            impostor.send(AgentWire.hello(embeddedId, 1));
            assertThat(impostor.awaitClose().code()).isEqualTo(4403);
        }
        assertThat(worker("embedded").get("state").asText()).isEqualTo("online");
        String id = kiln.api.submit(Map.of("command", "echo still mine")).get("id").asText();
        assertThat(kiln.api.awaitStatus(id, Duration.ofSeconds(20), "succeeded", "failed").get("status").asText())
                .isEqualTo("succeeded");
    }

    @Test
    void aTokenIsBoundToTheAgentIdOfItsFirstHello() throws Exception {
        String token = kiln.api.createToken("build-7", "agent");
        try (var first = wire(token)) {
            first.send(AgentWire.hello("build-7-id", 1)).awaitWelcome();
        }
        try (var other = wire(token)) {
            other.send(AgentWire.hello("someone-else", 1));
            AgentWire.Close close = other.awaitClose();
            assertThat(close.code()).isEqualTo(4403);
            assertThat(close.reason()).contains("build-7-id");
        }
        JsonNode listed = null;
        for (JsonNode t : kiln.api.get("/api/v1/tokens").json().get("tokens")) if (t.get("name").asText().equals("build-7")) listed = t;
        assertThat(listed.get("agent_id").asText()).isEqualTo("build-7-id");
        await().atMost(Duration.ofSeconds(10)).until(() -> worker("wire").get("state").asText().equals("offline"));
        try (var again = wire(token)) {
            again.send(AgentWire.hello("build-7-id", 1)).awaitWelcome();
        }
    }

    @Test
    void aTokenCreatedForAnAgentIdConnectsOnlyAsIt() throws Exception {
        var created = kiln.api.post("/api/v1/tokens", Map.of("name", "pinned", "role", "agent", "agent_id", "pinned-1"));
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().get("token").asText();
        try (var other = wire(token)) {
            other.send(AgentWire.hello("pinned-2", 1));
            assertThat(other.awaitClose().code()).isEqualTo(4403);
        }
        try (var right = wire(token)) {
            right.send(AgentWire.hello("pinned-1", 1)).awaitWelcome();
        }
        var taken = kiln.api.post("/api/v1/tokens", Map.of("name", "second", "role", "agent", "agent_id", "pinned-1"));
        assertThat(taken.status()).isEqualTo(400);
        var invalid = kiln.api.post("/api/v1/tokens", Map.of("name", "bad", "role", "agent", "agent_id", "a b\u0000"));
        assertThat(invalid.status()).isEqualTo(400);
        var notAgent = kiln.api.post("/api/v1/tokens", Map.of("name", "ci", "role", "operator", "agent_id", "x"));
        assertThat(notAgent.status()).isEqualTo(400);
    }

    @Test
    void aSecondConnectionOfALiveAgentIsRefusedAndTheFirstKeepsItsPlace() throws Exception {
        String token = kiln.api.createToken("twin", "agent");
        try (var first = wire(token); var second = wire(token)) {
            first.send(AgentWire.hello("twin-1", 1)).awaitWelcome();
            first.send(AgentWire.heartbeat());
            second.send(AgentWire.hello("twin-1", 1));
            AgentWire.Close close = second.awaitClose();
            assertThat(close.code()).isEqualTo(4409);
            assertThat(close.reason()).contains("already connected");
            first.send(AgentWire.heartbeat());
            assertThat(first.closed).isNotDone();
            assertThat(worker("wire").get("state").asText()).isEqualTo("online");
        }
    }

    @Test
    void aReconnectGetsInOnceTheOldConnectionHasGoneSilent() throws Exception {
        String token = kiln.api.createToken("half-open", "agent");
        try (var old = wire(token)) {
            old.send(AgentWire.hello("half-open-1", 1)).awaitWelcome();
            // the old socket stays open but says nothing more, like one whose network dropped; the agent retries
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                try (var fresh = wire(token)) {
                    fresh.send(AgentWire.hello("half-open-1", 1));
                    fresh.awaitWelcome();
                    return true;
                } catch (AssertionError refused) {
                    return false;
                }
            });
            assertThat(old.awaitClose().code()).isIn(4408, 4409);
        }
    }

    @Test
    void anInvalidHelloIsClosedWith4400SayingWhatIsWrong() throws Exception {
        String token = kiln.api.createToken("sloppy", "agent");
        var negative = new HashMap<>(AgentWire.hello("ok-id", 1));
        negative.put("capacity", -1);
        var nul = new HashMap<>(AgentWire.hello("bad\u0000id", 1));
        var label = new HashMap<>(AgentWire.hello("ok-id", 1));
        label.put("labels", Map.of("arch", java.util.List.of("x 86")));
        for (var hello : java.util.List.of(Map.entry(negative, "capacity"), Map.entry(nul, "agent_id"), Map.entry(label, "arch"))) {
            try (var w = wire(token)) {
                w.send(hello.getKey());
                AgentWire.Close close = w.awaitClose();
                assertThat(close.code()).as("%s", hello.getKey()).isEqualTo(4400);
                assertThat(close.reason()).contains(hello.getValue());
            }
        }
        assertThat(kiln.api.get("/api/v1/workers").json().get("workers")).hasSize(1);
    }

    @Test
    void anythingButHelloFirstClosesTheConnection() throws Exception {
        String token = kiln.api.createToken("rude", "agent");
        for (String first : java.util.List.of("{\"type\":\"nonsense\"}", "not json", Api.JSON.writeValueAsString(AgentWire.heartbeat()))) {
            try (var w = wire(token)) {
                w.sendText(first);
                AgentWire.Close close = w.awaitClose();
                assertThat(close.code()).as(first).isEqualTo(4400);
                assertThat(close.reason()).contains("hello");
            }
        }
    }

    @Test
    void framesOutsideTheProtocolCloseTheConnectionAfterAFew() throws Exception {
        try (var w = wire(kiln.api.createToken("noisy", "agent"))) {
            w.send(AgentWire.hello("noisy-1", 1)).awaitWelcome();
            for (int i = 0; i < 5 && !w.closed.isDone(); i++) w.sendText("{\"type\":\"nonsense\",\"n\":" + i + "}");
            assertThat(w.awaitClose().code()).isEqualTo(4400);
        }
    }
}
