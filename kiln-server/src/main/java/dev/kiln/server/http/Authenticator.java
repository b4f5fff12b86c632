package dev.kiln.server.http;

import dev.kiln.server.core.Role;
import dev.kiln.server.auth.Principal;
import dev.kiln.server.auth.SessionService;
import dev.kiln.server.auth.TokenService;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.util.Optional;

/**
 * Finds the caller: a token in {@code Authorization: Bearer} (or, for WebSockets, ?token=), else the session cookie.
 * It also keeps the open streams and sockets by the credential they were opened with, and closes them when that
 * token is revoked or that session ends.
 */
public final class Authenticator {
    private final TokenService tokens;
    private final SessionService sessions;
    private final OpenConnections open = new OpenConnections();

    public Authenticator(TokenService tokens, SessionService sessions) {
        this.tokens = tokens;
        this.sessions = sessions;
        tokens.onRevoke(open::revokeAll);
        sessions.onEnd(open::revokeAll);
    }

    private static final String CALLER = "kiln.caller";

    Optional<Principal> principal(Context ctx) {
        return principal(ctx.header("Authorization"), null, ctx.cookie(SessionCookie.NAME));
    }

    /** Browsers cannot set headers on a WebSocket, hence the query parameter (never logged). */
    Optional<Principal> principal(WsContext ctx) {
        return principal(ctx.header("Authorization"), ctx.queryParam("token"), ctx.cookie(SessionCookie.NAME));
    }

    private Optional<Principal> principal(String authorization, String queryToken, String sessionCookie) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return tokens.verify(authorization.substring(7).strip());
        if (queryToken != null && !queryToken.isBlank()) return tokens.verify(queryToken);
        return sessions.verify(sessionCookie);
    }

    /**
     * Registers a stream or socket opened by {@code principal}: when its token is revoked or its session ends, the
     * handle turns {@code revoked()} and {@code onRevoke} runs. Close the handle when the connection ends.
     */
    OpenConnections.Handle watch(Principal principal, Runnable onRevoke) {
        var handle = open.open(principal, onRevoke);
        // revoked between the check at connect and now: the listeners already ran, so close it here
        if (!stillValid(principal)) open.revokeAll(principal.sessionId() != null ? principal.sessionId() : principal.tokenId());
        return handle;
    }

    private boolean stillValid(Principal p) {
        return tokens.principal(p.tokenId()).isPresent() && (p.sessionId() == null || sessions.find(p.sessionId()).isPresent());
    }

    /** Who made this request, as {@link #check} found it; null on a public route. */
    static Principal caller(Context ctx) {
        return ctx.attribute(CALLER);
    }

    /** 401 without a valid token, 403 with one too weak for {@code needed}. */
    void check(Context ctx, Role needed) {
        if (needed == Role.PUBLIC) return;
        Principal p = principal(ctx).orElseThrow(() -> new ApiException(401, "Unauthorized",
                "this endpoint needs a token: send 'Authorization: Bearer <token>' or sign in (the first start wrote an admin token to <data dir>/admin-token)"));
        if (!p.role().allows(needed)) {
            throw new ApiException(403, "Forbidden", "token '" + p.name() + "' has role " + p.role().name().toLowerCase()
                    + "; this needs " + needed.name().toLowerCase());
        }
        ctx.attribute(CALLER, p);
    }
}
