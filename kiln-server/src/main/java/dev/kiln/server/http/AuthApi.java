package dev.kiln.server.http;

import dev.kiln.protocol.HelloRules;
import dev.kiln.server.core.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.auth.Principal;
import dev.kiln.server.core.TokenRecord;
import dev.kiln.server.auth.TokenService;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.ValidationException;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Browser sessions (a cookie holding the token) and token management for admins. */
public final class AuthApi {
    private final TokenService tokens;
    private final Authenticator auth;
    private final ObjectMapper mapper;

    public AuthApi(TokenService tokens, Authenticator auth, ObjectMapper mapper) {
        this.tokens = tokens;
        this.auth = auth;
        this.mapper = mapper;
    }

    void signIn(Context ctx) {
        JsonNode body = Requests.jsonBody(ctx, mapper);
        JsonNode token = body.get("token");
        if (token == null || !token.isTextual() || token.asText().isBlank()) {
            throw new ValidationException("token", "is required: paste the token you were given");
        }
        Principal p = tokens.verify(token.asText().strip())
                .orElseThrow(() -> new ApiException(401, "Unauthorized", "that token is not valid (revoked, or mistyped)"));
        if (p.role() == Role.AGENT) throw new ApiException(403, "Forbidden", "agent tokens cannot sign in to the dashboard");
        var cookie = new Cookie(Authenticator.COOKIE, token.asText().strip(), "/", -1, false, 0, true, null, null, SameSite.STRICT);
        ctx.cookie(cookie);
        ctx.status(204);
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

    void signOut(Context ctx) {
        ctx.cookie(new Cookie(Authenticator.COOKIE, "", "/", 0, false, 0, true, null, null, SameSite.STRICT));
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
