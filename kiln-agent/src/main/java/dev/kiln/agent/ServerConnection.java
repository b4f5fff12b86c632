package dev.kiln.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.ServerMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One WebSocket session with the server: messages in to a handler, bounded sends out, and a signal when it ends. */
final class ServerConnection {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    /**
     * A send that has not completed in this long is treated as a dead connection. Without a bound, a write stuck on a
     * connection whose server was killed held the connection lock, so the reconnect could never say hello.
     */
    static final long SEND_TIMEOUT_SECONDS = 10;

    private final WebSocket socket;
    private final CompletableFuture<Ended> ended;

    private ServerConnection(WebSocket socket, CompletableFuture<Ended> ended) {
        this.socket = socket;
        this.ended = ended;
    }

    static ServerConnection open(HttpClient http, URI uri, String token, Consumer<ServerMessage> handler) throws Exception {
        var listener = new Listener(handler);
        var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null) builder.header("Authorization", "Bearer " + token);
        try {
            return new ServerConnection(builder.buildAsync(uri, listener).get(15, TimeUnit.SECONDS), listener.ended);
        } catch (Exception e) {
            listener.ended.complete(Ended.DROPPED);
            throw e;
        }
    }

    /** Sends and waits for the send to complete, at most {@value #SEND_TIMEOUT_SECONDS} s. */
    void send(AgentMessage m) throws Exception {
        try {
            socket.sendText(Json.MAPPER.writeValueAsString(m), true).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            log.info("a send to the server did not complete in {} s; reconnecting", SEND_TIMEOUT_SECONDS);
            throw e;
        }
    }

    /** Drops the connection at once and signals its end (abort() does not promise to call the listener). */
    void abort() {
        socket.abort();
        ended.complete(Ended.DROPPED);
    }

    /** Says goodbye, waiting at most 2 s for the close to go out. */
    void closeNormally() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "agent stopping").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            socket.abort();
        }
        ended.complete(Ended.DROPPED);
    }

    /**
     * Returns when the connection has ended, whichever side ended it: the server's close code and reason, or
     * {@link Ended#DROPPED} when it ended without one (network, abort).
     */
    Ended awaitEnd() {
        return ended.join();
    }

    /** How a connection ended. */
    record Ended(int code, String reason) {
        static final Ended DROPPED = new Ended(-1, "");

        /**
         * The server refused this agent (4400 bad hello or protocol, 4401 no or revoked token, 4403 not allowed):
         * trying again with the same token and identity gets the same answer, so the agent stops instead. 4408
         * (silent too long) and 4409 (an older connection still counts) pass, and the agent reconnects.
         */
        boolean refused() {
            return code == 4400 || code == 4401 || code == 4403;
        }
    }

    private static final class Listener implements WebSocket.Listener {
        final CompletableFuture<Ended> ended = new CompletableFuture<>();
        private final Consumer<ServerMessage> handler;
        private final StringBuilder partial = new StringBuilder();

        Listener(Consumer<ServerMessage> handler) {
            this.handler = handler;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if (!last) {
                partial.append(data);
            } else {
                // most messages come in one frame: then no copy through the builder
                String text = partial.isEmpty() ? data.toString() : partial.append(data).toString();
                partial.setLength(0);
                try {
                    handler.accept(Json.MAPPER.readValue(text, ServerMessage.class));
                } catch (JsonProcessingException e) {
                    log.warn("ignoring a message the agent does not understand: {}", e.getOriginalMessage());
                } catch (RuntimeException e) {
                    log.error("handling a server message failed", e);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            ended.complete(new Ended(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            ended.complete(Ended.DROPPED);
        }
    }
}
