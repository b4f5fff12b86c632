package dev.kiln.server.http;

import dev.kiln.server.core.Role;
import dev.kiln.server.auth.Principal;
import dev.kiln.server.auth.TokenService;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.util.Optional;

/** Finds the caller's token: {@code Authorization: Bearer}, else the session cookie (else, for WebSockets, ?token=). */
public final class Authenticator {
    static final String COOKIE = "kiln_session";
    private final TokenService tokens;

    public Authenticator(TokenService tokens) {
        this.tokens = tokens;
    }

    Optional<Principal> principal(Context ctx) {
        return tokens.verify(token(ctx.header("Authorization"), ctx.cookie(COOKIE), null));
    }

    /** Browsers cannot set headers on a WebSocket, hence the query parameter (never logged). */
    Optional<Principal> principal(WsContext ctx) {
        return tokens.verify(token(ctx.header("Authorization"), ctx.cookie(COOKIE), ctx.queryParam("token")));
    }

    private static String token(String authorization, String cookie, String query) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return authorization.substring(7).strip();
        if (query != null && !query.isBlank()) return query;
        return cookie;
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
    }
}
