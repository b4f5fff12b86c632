package dev.kiln.server.http;

import dev.kiln.server.auth.Principal;
import dev.kiln.server.auth.SessionService;
import dev.kiln.server.auth.SignInCodes;
import dev.kiln.server.auth.TokenService;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.Role;
import dev.kiln.server.core.SessionRecord;
import dev.kiln.server.core.TokenRecord;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Listing and revoking sessions (an admin any, everyone else those acting as their own token); sign-in codes. */
public final class SessionsApi {
    private final SessionService sessions;
    private final SignInCodes signInCodes;
    private final TokenService tokens;
    private final Authenticator auth;

    public SessionsApi(SessionService sessions, SignInCodes signInCodes, TokenService tokens, Authenticator auth) {
        this.sessions = sessions;
        this.signInCodes = signInCodes;
        this.tokens = tokens;
        this.auth = auth;
    }

    /** {@code GET /api/v1/sessions}. */
    void list(Context ctx) {
        Principal caller = caller(ctx);
        Map<String, String> tokenNames = tokens.list().stream().collect(Collectors.toMap(TokenRecord::id, TokenRecord::name));
        ctx.json(Map.of("sessions", sessions.list().stream().filter(s -> mayManage(caller, s))
                .map(s -> view(s, caller, tokenNames::get)).toList()));
    }

    /** {@code DELETE /api/v1/sessions/{id}}: ends it and closes the streams it opened. */
    void revoke(Context ctx) {
        String id = ctx.pathParam("id");
        Principal caller = caller(ctx);
        // someone else's session is "not found", not "forbidden": its id says nothing to whoever may not touch it
        SessionRecord session = sessions.find(id).filter(s -> mayManage(caller, s))
                .orElseThrow(() -> new NotFoundException("no active session with id '" + Requests.abbreviate(id) + "'"));
        sessions.end(session.id());
        ctx.status(204);
    }

    /** {@code POST /api/v1/sign-in-codes}: a one-time code that signs in as the caller's token (for kiln login-url). */
    void createSignInCode(Context ctx) {
        var issued = signInCodes.issue(caller(ctx).tokenId());
        ctx.status(201).json(Map.of("code", issued.code(), "expires_at", issued.expiresAt(), "path", "/login#code=" + issued.code()));
    }

    private Principal caller(Context ctx) {
        return auth.principal(ctx).orElseThrow(() -> new ApiException(401, "Unauthorized", "sign in first"));
    }

    private static boolean mayManage(Principal caller, SessionRecord s) {
        return caller.role() == Role.ADMIN || caller.tokenId().equals(s.tokenId());
    }

    private static Map<String, Object> view(SessionRecord s, Principal caller, Function<String, String> tokenName) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", s.id());
        m.put("token_id", s.tokenId());
        m.put("token_name", tokenName.apply(s.tokenId()));
        m.put("created_at", s.createdAt());
        m.put("last_seen_at", s.lastSeenAt());
        m.put("expires_at", s.expiresAt());
        m.put("current", s.id().equals(caller.sessionId()));
        return m;
    }
}
