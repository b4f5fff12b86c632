package dev.kiln.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.HelloRules;
import dev.kiln.protocol.Json;
import dev.kiln.server.auth.AgentBindings;
import dev.kiln.server.auth.Principal;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.jobs.JobEngine;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent connection, read side: the first frame must be a valid {@code hello} from an identity this token may
 * speak for; after it, frames go to the engine, read no faster than the connection's limits allow. Each refusal
 * closes the connection with a code and is logged once; a hostile agent cannot make the server log per message.
 */
final class AgentLink {
    private static final Logger log = LoggerFactory.getLogger(AgentLink.class);
    /** Bound to the message type once: no deserializer lookup per frame. */
    private static final com.fasterxml.jackson.databind.ObjectReader READER = Json.MAPPER.readerFor(AgentMessage.class);
    /** Frames outside the protocol a connection may send before it is closed: a bug shows, a flood does not. */
    static final int MAX_INVALID_FRAMES = 5;

    private final Principal token;
    private final AgentSender sender;
    private final AgentThrottle throttle;
    private final JobEngine engine;
    private final FleetRegistry fleet;
    private final AgentBindings bindings;
    private volatile String agentId; // set by an accepted hello
    private volatile boolean closed;
    private volatile OpenConnections.Handle revocation;
    private int invalidFrames;

    AgentLink(Principal token, AgentSender sender, AgentThrottle throttle, JobEngine engine, FleetRegistry fleet,
              AgentBindings bindings) {
        this.token = token;
        this.sender = sender;
        this.throttle = throttle;
        this.engine = engine;
        this.fleet = fleet;
        this.bindings = bindings;
    }

    /** A text frame from the agent. Called by the connection's one reading thread, in order. */
    void onFrame(String text) throws InterruptedException {
        if (closed) return;
        AgentMessage message = parse(text);
        holdBackIfOverLimit(text.length(), message instanceof AgentMessage.Log);
        if (agentId == null) {
            if (message instanceof AgentMessage.Hello hello) hello(hello);
            else close(4400, "the first message must be hello");
        } else if (message == null || message instanceof AgentMessage.Hello) {
            invalidFrame(message == null ? "not a protocol message" : "a second hello");
        } else {
            engine.agentMessage(agentId, message);
        }
    }

    /** The connection ended: its agent (if it said hello) is disconnected, unless a newer connection replaced it. */
    void onClose() {
        closed = true;
        if (revocation != null) revocation.close();
        sender.stop();
        if (agentId != null) engine.agentDisconnected(agentId, sender);
    }

    private void hello(AgentMessage.Hello hello) {
        List<String> problems = HelloRules.problems(hello);
        if (!problems.isEmpty()) {
            log.info("refused an agent hello (token '{}'): {}", token.name(), String.join("; ", problems));
            close(4400, "invalid hello: " + String.join("; ", problems));
            return;
        }
        AgentBindings.Claim claim = bindings.claim(token, hello.agentId());
        if (!claim.accepted()) {
            log.warn("refused agent {} (token '{}'): {}", hello.agentId(), token.name(), claim.problem());
            close(4403, claim.problem());
            return;
        }
        if (claim.boundNow()) log.info("token '{}' is now bound to agent {} ({})", token.name(), hello.agentId(), hello.name());
        sender.identify(hello.agentId());
        if (engine.agentConnected(hello, sender)) {
            agentId = hello.agentId();
        } else {
            closed = true; // the fleet refused it (already connected) and closed it; ignore what still arrives
        }
    }

    private AgentMessage parse(String text) {
        try {
            return READER.readValue(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private void invalidFrame(String what) {
        invalidFrames++;
        if (invalidFrames == 1) {
            log.warn("agent {} sent {}; further ones on this connection are logged at DEBUG", agentId, what);
        } else {
            log.debug("agent {} sent {} ({} on this connection)", agentId, what, invalidFrames);
        }
        if (invalidFrames >= MAX_INVALID_FRAMES) {
            close(4400, MAX_INVALID_FRAMES + " messages outside the protocol");
        }
    }

    /**
     * Over a limit, this thread waits before reading on: the connection's next frames stay in the socket, so the
     * agent's sends slow down and its chunks wait, unacked, on its side. Reported once a minute at most.
     */
    private void holdBackIfOverLimit(int length, boolean isLog) throws InterruptedException {
        AgentThrottle.Hold hold = throttle.after(length, isLog);
        if (hold.nanos() == 0) return;
        if (throttle.shouldReport()) {
            String who = agentId == null ? "(before hello)" : agentId;
            log.warn("agent {} is over its limit of {} {} per second; reading its connection more slowly", who,
                    hold.perSecond(), hold.limit());
            if (agentId != null) fleet.throttled(agentId, hold.limit(), hold.perSecond());
        }
        Thread.sleep(Duration.ofNanos(hold.nanos()));
    }

    /** Revoking this connection's token closes it (4401). */
    void whenRevoked(OpenConnections.Handle handle) {
        this.revocation = handle;
    }

    void closeRevoked() {
        close(4401, "the agent's token was revoked");
    }

    private void close(int code, String reason) {
        closed = true;
        sender.close(code, reason);
    }
}
