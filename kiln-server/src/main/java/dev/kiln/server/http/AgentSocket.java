package dev.kiln.server.http;

import dev.kiln.server.auth.AgentBindings;
import dev.kiln.server.core.Role;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.jobs.JobEngine;
import io.javalin.websocket.WsConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's end of the agent protocol: only agent tokens get in; each connection is an {@link AgentLink} (what
 * it reads) and an {@link AgentSender} (what it writes, asynchronously, so the engine never waits on a socket).
 */
public final class AgentSocket {
    private static final Logger log = LoggerFactory.getLogger(AgentSocket.class);
    private final JobEngine engine;
    private final FleetRegistry fleet;
    private final AgentBindings bindings;
    private final Authenticator auth;
    private final AgentLimits limits;
    private final Map<String, AgentLink> bySession = new ConcurrentHashMap<>();

    public AgentSocket(JobEngine engine, FleetRegistry fleet, AgentBindings bindings, Authenticator auth, AgentLimits limits) {
        this.engine = engine;
        this.fleet = fleet;
        this.bindings = bindings;
        this.auth = auth;
        this.limits = limits;
    }

    void configure(WsConfig ws) {
        ws.onConnect(ctx -> {
            var principal = auth.principal(ctx);
            if (principal.isEmpty()) {
                ctx.closeSession(4401, "an agent token is needed: kiln agent --token <token> (an admin creates one with kiln token create --role agent)");
                return;
            }
            if (principal.get().role() != Role.AGENT) {
                ctx.closeSession(4403, "token '" + principal.get().name() + "' is not an agent token");
                return;
            }
            ctx.session.setIdleTimeout(Duration.ofSeconds(120));
            var link = new AgentLink(principal.get(), new AgentSender(ctx),
                    new AgentThrottle(limits, System::nanoTime), engine, fleet, bindings);
            link.whenRevoked(auth.watch(principal.get(), () -> link.closeRevoked()));
            bySession.put(ctx.sessionId(), link);
        });
        ws.onMessage(ctx -> {
            AgentLink link = bySession.get(ctx.sessionId());
            if (link != null) link.onFrame(ctx.message());
        });
        ws.onClose(ctx -> {
            AgentLink link = bySession.remove(ctx.sessionId());
            if (link != null) link.onClose();
        });
        ws.onError(ctx -> log.debug("agent connection error: {}", ctx.error() == null ? "?" : ctx.error().toString()));
    }
}
