package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revoking a token or ending a session closes what it opened: SSE streams, job WebSockets, an agent's WebSocket.
 * The waits are generous bounds well under the streams' 15 s ping, not timings: without revocation they never end.
 */
class RevocationIT {
    private static final Duration WELL_UNDER_A_PING = Duration.ofSeconds(5);
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api admin;
    static String base;
    static String runningJob;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 1);
        admin = kiln.api;
        base = kiln.server.baseUrl();
        runningJob = admin.submit(Map.of("command", "sleep 120", "name", "long")).get("id").asText();
        admin.awaitStatus(runningJob, Duration.ofSeconds(30), "running");
    }

    @AfterAll
    static void stop() {
        admin.post("/api/v1/jobs/" + runningJob + "/cancel", "{}");
        kiln.close();
    }

    @Test
    void revokingATokenClosesItsStreamsAndJobSocketAndItGets401AtOnce() throws Exception {
        JsonNode viewer = admin.post("/api/v1/tokens", Map.of("name", "watcher", "role", "viewer")).json();
        String token = viewer.get("token").asText();
        String bearer = "Bearer " + token;
        var events = BrowserSession.openStream(base + "/api/v1/stream", "Authorization", bearer);
        var log = BrowserSession.openStream(base + "/api/v1/jobs/" + runningJob + "/logs/stream", "Authorization", bearer);
        var socket = jobSocket("?token=" + token);

        assertThat(admin.send("DELETE", "/api/v1/tokens/" + viewer.get("id").asText(), null, null).status()).isEqualTo(204);

        assertThat(admin.withToken(token).get("/api/v1/jobs").status()).isEqualTo(401);
        assertThat(socket.closed.get(WELL_UNDER_A_PING.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4401);
        events.get(WELL_UNDER_A_PING.toSeconds(), TimeUnit.SECONDS);
        log.get(WELL_UNDER_A_PING.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aSessionThatExpiresClosesTheStreamsOpenedWithIt(@TempDir Path data) throws Exception {
        var lifetime = Duration.ofSeconds(3);
        try (var shortLived = KilnTestServer.start(data, 1, config -> config.withSessionLifetime(lifetime))) {
            String url = shortLived.server.baseUrl();
            var cookie = BrowserSession.signInWithToken(url, shortLived.server.adminToken()).cookie();
            var events = BrowserSession.openStream(url + "/api/v1/stream", "Cookie", BrowserSession.COOKIE + "=" + cookie);
            // without the sweep the stream only ends when the client goes: this wait would time out
            events.get(lifetime.plus(WELL_UNDER_A_PING).toSeconds(), TimeUnit.SECONDS);
            assertThat(BrowserSession.call(url, "GET", "/api/v1/jobs", cookie).status()).isEqualTo(401);
        }
    }

    @Test
    void endingASessionClosesTheStreamsOpenedWithItsCookie() throws Exception {
        var cookie = BrowserSession.signInWithToken(base, admin.createToken("browser", "viewer")).cookie();
        String header = BrowserSession.COOKIE + "=" + cookie;
        var events = BrowserSession.openStream(base + "/api/v1/stream", "Cookie", header);
        var socket = new LiveStreamsIT.WsCollector();
        HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", header)
                .buildAsync(URI.create(base.replace("http", "ws") + "/api/v1/jobs/" + runningJob + "/events/ws"), socket)
                .get(10, TimeUnit.SECONDS);

        assertThat(BrowserSession.call(base, "DELETE", "/api/v1/session", cookie).status()).isEqualTo(204);

        assertThat(socket.closed.get(WELL_UNDER_A_PING.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4401);
        events.get(WELL_UNDER_A_PING.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void revokingAnAgentsTokenClosesItsSocketWith4401() throws Exception {
        JsonNode agent = admin.post("/api/v1/tokens", Map.of("name", "build-9", "role", "agent")).json();
        var socket = new LiveStreamsIT.WsCollector();
        HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + agent.get("token").asText())
                .buildAsync(URI.create(base.replace("http", "ws") + "/api/v1/agent/ws"), socket)
                .get(10, TimeUnit.SECONDS);

        assertThat(admin.send("DELETE", "/api/v1/tokens/" + agent.get("id").asText(), null, null).status()).isEqualTo(204);

        assertThat(socket.closed.get(WELL_UNDER_A_PING.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4401);
    }

    private static LiveStreamsIT.WsCollector jobSocket(String query) throws Exception {
        var c = new LiveStreamsIT.WsCollector();
        HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(base.replace("http", "ws") + "/api/v1/jobs/" + runningJob + "/events/ws" + query), c)
                .get(10, TimeUnit.SECONDS);
        return c;
    }
}
