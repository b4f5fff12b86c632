package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests no well-behaved client sends, at the level of bytes: what Jetty refuses itself is problem+json, odd
 * WebSocket paths get a clean refusal, a client that vanishes mid-stream leaves no stack trace, and a job whose
 * command is null is refused instead of holding a slot forever.
 */
class HostileHttpIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static int port;
    static final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    static Thread.UncaughtExceptionHandler previous;
    LogCapture log;

    @BeforeAll
    static void start() {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        // stream clients run on virtual threads, whose uncaught exceptions go to the default handler (stderr)
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        port = Integer.parseInt(kiln.api.base().replaceAll(".*:(\\d+).*", "$1"));
    }

    @AfterAll
    static void stop() {
        kiln.close();
        Thread.setDefaultUncaughtExceptionHandler(previous);
    }

    @org.junit.jupiter.api.BeforeEach
    void captureLog() {
        log = new LogCapture();
        uncaught.clear();
    }

    @AfterEach
    void noStackTraceWasLeftBehind() {
        log.close();
        assertThat(log.stackTraces()).isEmpty();
        assertThat(uncaught).isEmpty();
    }

    static void assertProblem(RawHttp.Response r, int status, String detailContains) throws Exception {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode p = Api.JSON.readTree(r.body());
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("title").asText()).isNotBlank();
        assertThat(p.get("detail").asText()).contains(detailContains);
    }

    @Test
    void whatJettyRefusesItselfIsProblemJson() throws Exception {
        assertProblem(RawHttp.send(port, "GARBAGE\r\n\r\n"), 400, "request line");
        assertProblem(RawHttp.send(port, "GET /api/v1/jobs/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 400, "percent-encoded");
        assertProblem(RawHttp.send(port, "GET /api/v1/jobs?q=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414, "URL is too long");
        assertProblem(RawHttp.send(port, "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"), 431, "headers are too large");
        assertProblem(RawHttp.send(port, "GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n"), 505, "HTTP/1.1");
        assertThat(kiln.api.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void oversizedRequestsWarnWithoutTheirTokenAndAtMostOncePerMinute() throws Exception {
        String secret = "Bearer s3cr3t-" + "t".repeat(20_000);
        for (int i = 0; i < 5; i++) {
            RawHttp.send(port, "GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: " + secret + "\r\n\r\n");
        }
        assertThat(log.atLeast(Level.INFO)).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("s3cr3t"));
        assertThat(log.atLeast(Level.WARN)).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void aWebSocketUpgradeToAnOddPathIsRefusedCleanly() throws Exception {
        for (String path : List.of("/api/v1/jobs/a\\b/events/ws", "/api/v1/jobs/%00/events/ws", "/api/v1/jobs/%C3%28/events/ws",
                "/api/v1/jobs/a%5Cb/events/ws", "/api/v1/agent/ws/../ws", "/api/v1/jobs/%2e%2e/events/ws", "/api/v1/jobs/a;b/events/ws",
                "/api/v1/jobs/%252e/events/ws", "/api/v1/jobs/a%20b/events/ws", "/api/v1/jobs/%F0%9F%9A%80/events/ws",
                "/api/v1/jobs/%/events/ws", "/api/v1/jobs/a?b=c/events/ws", "/api/v1/jobs/..%2F..%2Fetc%2Fpasswd/events/ws")) {
            RawHttp.Response r = RawHttp.send(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertThat(r.status()).as(path + ": " + r.body()).isIn(101, 400, 401, 403, 404);
            if (r.status() != 101) assertThat(r.contentType()).as(path).startsWith("application/problem+json");
        }
        assertThat(kiln.api.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void aWebSocketClientThatVanishesMidStreamLeavesNoStackTrace() throws Exception {
        JsonNode job = kiln.api.submit(Map.of("command", "for i in $(seq 1 300); do echo line $i of a long log to stream; sleep 0.01; done"));
        String id = job.get("id").asText();
        kiln.api.awaitStatus(id, Duration.ofSeconds(20), "running", "succeeded");
        for (int client = 0; client < 3; client++) {
            try (var socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(("GET /api/v1/jobs/" + id + "/events/ws?token=" + kiln.api.token() + " HTTP/1.1\r\n"
                        + "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = socket.getInputStream();
                assertThat(new String(in.readNBytes(12), StandardCharsets.ISO_8859_1)).endsWith("101");
                in.readNBytes(4096);
                socket.setSoLinger(true, 0); // a reset, not a close: the server finds out by writing
            }
        }
        // the stream's writes to the reset sockets happen while the job runs: by its end each has met the reset
        kiln.api.awaitStatus(id, Duration.ofSeconds(30), "succeeded");
    }

    @Test
    void aNullCommandIsRefusedWithOrWithoutAName() {
        for (String body : List.of("{\"command\": null, \"name\": \"x\"}", "{\"command\": null}")) {
            Api.Response r = kiln.api.send("POST", "/api/v1/jobs", "application/json", body);
            assertThat(r.status()).as(body + " → " + r.body()).isEqualTo(400);
            assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("command");
        }
    }
}
