package dev.kiln.server.http;

import dev.kiln.protocol.HelloRules;
import dev.kiln.server.core.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.auth.Principal;
import dev.kiln.server.core.TokenRecord;
import dev.kiln.server.auth.SessionService;
import dev.kiln.server.auth.SignInCodes;
import dev.kiln.server.auth.TokenService;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.ValidationException;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Signing in and out of the dashboard (a session cookie) and token management for admins. */
public final class AuthApi {
    private final TokenService tokens;
    private final SessionService sessions;
    private final SignInCodes signInCodes;
    private final Authenticator auth;
    private final ObjectMapper mapper;

    public AuthApi(TokenService tokens, SessionService sessions, SignInCodes signInCodes, Authenticator auth, ObjectMapper mapper) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.signInCodes = signInCodes;
        this.auth = auth;
        this.mapper = mapper;
    }

    /**
     * {@code POST /api/v1/session} with {@code {"code": …}} (a one-time sign-in code) or {@code {"token": …}}: starts
     * a session and sets its cookie.
     */
    void signIn(Context ctx) {
        JsonNode body = Requests.jsonBody(ctx, mapper);
        Principal p;
        if (body.hasNonNull("code")) {
            p = signInCodes.redeem(text(body, "code", "the code from the sign-in URL"))
                    .orElseThrow(() -> new ApiException(401, "Unauthorized",
                            "that sign-in code is not valid: it was used already, is older than 15 minutes, or mistyped; run 'kiln login-url' for a fresh one"));
        } else {
            p = tokens.verify(text(body, "token", "paste the token you were given"))
                    .orElseThrow(() -> new ApiException(401, "Unauthorized", "that token is not valid (revoked, or mistyped)"));
        }
        if (p.role() == Role.AGENT) throw new ApiException(403, "Forbidden", "agent tokens cannot sign in to the dashboard");
        var session = sessions.start(p);
        SessionCookie.set(ctx, session.secret(), sessions.lifetime());
        ctx.status(204);
    }

    private static String text(JsonNode body, String field, String hint) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) throw new ValidationException(field, "is required: " + hint);
        return v.asText().strip();
    }

    /** Who is signed in; {@code signed_in: false} rather than 401, so the dashboard can ask without an error. */
    void whoAmI(Context ctx) {
        var p = auth.principal(ctx);
        if (p.isEmpty()) {
            ctx.json(Map.of("signed_in", false));
            return;
        }
        ctx.json(Map.of("signed_in", true, "name", p.get().name(), "role", p.get().role().name().toLowerCase()));
    }

    /** Signing out ends the session on the server too: a copied cookie is worthless after it. */
    void signOut(Context ctx) {
        auth.principal(ctx).map(Principal::sessionId).ifPresent(sessions::end);
        SessionCookie.clear(ctx);
        ctx.status(204);
    }

    void create(Context ctx) {
        JsonNode body = Requests.jsonBody(ctx, mapper);
        var errors = new ArrayList<ValidationException.FieldError>();
        String name = body.path("name").isTextual() ? body.get("name").asText().strip() : null;
        if (name == null || name.isEmpty() || name.length() > 100) errors.add(new ValidationException.FieldError("name", "is required: up to 100 characters naming who uses the token"));
        Role role = null;
        String r = body.path("role").isTextual() ? body.get("role").asText() : null;
        for (Role candidate : List.of(Role.VIEWER, Role.OPERATOR, Role.ADMIN, Role.AGENT)) {
            if (candidate.name().equalsIgnoreCase(r)) role = candidate;
        }
        if (role == null) errors.add(new ValidationException.FieldError("role", "must be one of viewer, operator, admin, agent"));
        String agentId = agentIdOf(body, role, errors);
        body.fieldNames().forEachRemaining(f -> {
            if (!List.of("name", "role", "agent_id").contains(f)) errors.add(new ValidationException.FieldError(f, "unknown field; use name, role and agent_id"));
        });
        if (!errors.isEmpty()) throw new ValidationException(errors);
        var issued = tokens.create(name, role, agentId);
        var view = view(issued.record());
        view.put("token", issued.token());
        ctx.status(201).json(view);
    }

    /** An agent token may be bound to its agent at creation; without agent_id its first hello binds it. */
    private static String agentIdOf(JsonNode body, Role role, List<ValidationException.FieldError> errors) {
        JsonNode given = body.get("agent_id");
        if (given == null || given.isNull()) return null;
        String problem = role != Role.AGENT ? "only an agent token is bound to an agent"
                : given.isTextual() ? HelloRules.agentIdProblem(given.asText()) : "must be a string";
        if (problem != null) errors.add(new ValidationException.FieldError("agent_id", problem));
        return problem == null ? given.asText() : null;
    }

    void list(Context ctx) {
        ctx.json(Map.of("tokens", tokens.list().stream().map(AuthApi::view).toList()));
    }

    void revoke(Context ctx) {
        String id = ctx.pathParam("id");
        if (!tokens.revoke(id)) throw new NotFoundException("no token with id '" + Requests.abbreviate(id) + "'");
        ctx.status(204);
    }

    private static Map<String, Object> view(TokenRecord t) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("role", t.role().name().toLowerCase());
        m.put("created_at", t.createdAt());
        m.put("revoked_at", t.revokedAt());
        m.put("agent_id", t.agentId());
        return m;
    }
}
