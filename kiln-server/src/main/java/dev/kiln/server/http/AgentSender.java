package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.fleet.AgentConnection;
import io.javalin.websocket.WsContext;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sending half of one agent connection: an outbox drained by a thread of its own, so the engine never waits. */
final class AgentSender implements AgentConnection {
    private static final Logger log = LoggerFactory.getLogger(AgentSender.class);
    private static final String POISON = "\u0000stop";
    private final WsContext ctx;
    private final LinkedBlockingQueue<String> outbox = new LinkedBlockingQueue<>();
    private volatile String agentId = "(before hello)";

    AgentSender(WsContext ctx) {
        this.ctx = ctx;
        Thread.ofVirtual().name("agent-sender").start(this::drain);
    }

    /** For log lines only: set once the hello was validated. */
    void identify(String validatedAgentId) {
        agentId = validatedAgentId;
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
