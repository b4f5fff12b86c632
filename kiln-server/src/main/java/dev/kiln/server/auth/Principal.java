package dev.kiln.server.auth;

import dev.kiln.server.core.Role;

/**
 * Who is calling: the token's name and role, and the session when the call came with a session cookie (null for
 * a token sent as such). Revoking the token or ending the session revokes this principal.
 */
public record Principal(String tokenId, String name, Role role, String sessionId) {
    public Principal(String tokenId, String name, Role role) {
        this(tokenId, name, role, null);
    }

    public Principal inSession(String id) {
        return new Principal(tokenId, name, role, id);
    }
}
