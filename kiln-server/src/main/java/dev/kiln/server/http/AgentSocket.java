package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.fleet.AgentConnection;
import dev.kiln.server.jobs.JobEngine;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's end of the agent protocol. The first message must be {@code hello}; after it, messages go to the
 * engine as they come. Each connection has its own sender thread so the engine never waits on a socket.
 */
public final class AgentSocket {
    private static final Logger log = LoggerFactory.getLogger(AgentSocket.class);
    private final JobEngine engine;
    private final Map<String, Connection> bySession = new ConcurrentHashMap<>();

    private final Authenticator auth;

    public AgentSocket(JobEngine engine, Authenticator auth) {
        this.engine = engine;
        this.auth = auth;
    }

    void configure(WsConfig ws) {
        ws.onConnect(ctx -> {
            var principal = auth.principal(ctx);
            if (principal.isEmpty()) {
                ctx.closeSession(4401, "an agent token is needed: kiln agent --token <token> (an admin creates one with kiln token create --role agent)");
                return;
            }
            if (principal.get().role() != dev.kiln.server.core.Role.AGENT) {
                ctx.closeSession(4403, "token '" + principal.get().name() + "' is not an agent token");
                return;
            }
            ctx.session.setIdleTimeout(java.time.Duration.ofSeconds(120));
            var c = new Connection(ctx);
            c.revocation = auth.watch(principal.get(), () -> c.close(4401, "the agent's token was revoked"));
            bySession.put(ctx.sessionId(), c);
        });
        ws.onMessage(ctx -> {
            Connection c = bySession.get(ctx.sessionId());
            if (c == null) return;
            AgentMessage message;
            try {
                message = Json.MAPPER.readValue(ctx.message(), AgentMessage.class);
            } catch (JsonProcessingException e) {
                log.warn("agent {} sent a message that is not part of the protocol: {}", c.agentId, e.getOriginalMessage());
                return;
            }
            if (c.agentId == null) {
                if (!(message instanceof AgentMessage.Hello hello) || hello.agentId() == null || hello.agentId().isBlank()) {
                    c.close(4400, "the first message must be hello with an agent_id");
                    return;
                }
                c.agentId = hello.agentId();
                engine.agentConnected(hello, c);
            } else {
                engine.agentMessage(c.agentId, message);
            }
        });
        ws.onClose(ctx -> {
            Connection c = bySession.remove(ctx.sessionId());
            if (c != null) {
                c.revocation.close();
                c.stop();
                if (c.agentId != null) engine.agentDisconnected(c.agentId, c);
            }
        });
        ws.onError(ctx -> log.debug("agent connection error: {}", ctx.error() == null ? "?" : ctx.error().toString()));
    }

    private static final class Connection implements AgentConnection {
        private static final String POISON = "\u0000stop";
        private final WsContext ctx;
        private final LinkedBlockingQueue<String> outbox = new LinkedBlockingQueue<>();
        private final Thread sender;
        volatile String agentId;
        OpenConnections.Handle revocation;

        Connection(WsContext ctx) {
            this.ctx = ctx;
            this.sender = Thread.ofVirtual().name("agent-sender").start(this::drain);
        }

        @Override
        public void send(ServerMessage message) {
            try {
                outbox.add(Json.MAPPER.writeValueAsString(message));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private void drain() {
            try {
                while (true) {
                    String text = outbox.take();
                    if (text == POISON) return;
                    if (!ctx.session.isOpen()) return;
                    ctx.send(text);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.debug("sending to agent {} failed: {}", agentId, e.toString());
            }
        }

        void stop() {
            outbox.add(POISON);
        }

        @Override
        public void close(int code, String reason) {
            try {
                ctx.closeSession(code, reason);
            } catch (RuntimeException e) {
                log.debug("closing agent {} failed: {}", agentId, e.toString());
            }
        }
    }
}
