package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.fleet.AgentConnection;
import io.javalin.websocket.WsContext;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending half of one agent connection. Each message is handed to Jetty's asynchronous send, which queues it
 * behind the frames before it and writes without blocking, so the engine never waits on a socket, and no thread of
 * ours sits between the engine and the wire (a hand-off to a sender thread cost every assign a thread wake-up).
 */
final class AgentSender implements AgentConnection {
    private static final Logger log = LoggerFactory.getLogger(AgentSender.class);
    /** Bound to the message type once: no serializer lookup per frame. */
    private static final com.fasterxml.jackson.databind.ObjectWriter WRITER = Json.MAPPER.writerFor(ServerMessage.class);
    private final WsContext ctx;
    private final WriteCallback onFailure = new WriteCallback() {
        @Override
        public void writeFailed(Throwable x) {
            log.debug("sending to agent {} failed: {}", agentId, x.toString());
        }
    };
    private volatile String agentId = "(before hello)";
    private volatile boolean stopped;

    AgentSender(WsContext ctx) {
        this.ctx = ctx;
    }

    /** For log lines only: set once the hello was validated. */
    void identify(String validatedAgentId) {
        agentId = validatedAgentId;
    }

    @Override
    public void send(ServerMessage message) {
        String text;
        try {
            text = WRITER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (stopped || !ctx.session.isOpen()) return;
        try {
            ctx.session.getRemote().sendString(text, onFailure);
        } catch (RuntimeException e) {
            log.debug("sending to agent {} failed: {}", agentId, e.toString());
        }
    }

    /** The connection ended: what is still sent is dropped (the agent resends what was not acked when it is back). */
    void stop() {
        stopped = true;
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
