package dev.kiln.server.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A hand-driven agent connection: sends whatever frames a test writes, records what the server answers. */
final class AgentWire implements WebSocket.Listener, AutoCloseable {
    record Close(int code, String reason) {}

    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Close> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    static AgentWire open(String baseUrl, String token) throws Exception {
        var wire = new AgentWire();
        wire.socket = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(baseUrl.replaceFirst("^http", "ws") + "/api/v1/agent/ws"), wire)
                .get(10, TimeUnit.SECONDS);
        return wire;
    }

    static Map<String, Object> hello(String agentId, int capacity) {
        return Map.of("type", "hello", "agent_id", agentId, "name", "wire", "labels", Map.of("arch", List.of("x86_64")),
                "capacity", capacity, "version", "test", "running", List.of());
    }

    static Map<String, Object> heartbeat() {
        return Map.of("type", "heartbeat", "load", 0.0, "memory_used_bytes", 1, "memory_total_bytes", 2, "active", 0,
                "draining", false);
    }

    AgentWire send(Object message) throws Exception {
        return sendText(Api.JSON.writeValueAsString(message));
    }

    AgentWire sendText(String text) throws Exception {
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
        return this;
    }

    /** Waits for the server to close this connection, and says how. */
    Close awaitClose() throws Exception {
        return closed.get(20, TimeUnit.SECONDS);
    }

    /** Waits for the server's welcome: the hello was accepted. */
    void awaitWelcome() {
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.isDone()
                || received.stream().anyMatch(m -> m.path("type").asText().equals("welcome")));
        if (closed.isDone()) throw new AssertionError("closed instead of welcomed: " + closed.join());
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                received.add(Api.JSON.readTree(partial.toString()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            partial.setLength(0);
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        closed.complete(new Close(code, reason));
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (!closed.isDone()) socket.abort();
    }
}
