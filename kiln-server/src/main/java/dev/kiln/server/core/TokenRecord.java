package dev.kiln.server.core;

import dev.kiln.server.core.Role;
import java.time.Instant;

/**
 * A token as stored: never the token itself, only its hash. {@code agentId}: the one agent an agent token may
 * speak for (null until its first hello, and for other roles).
 */
public record TokenRecord(String id, String name, Role role, String hash, Instant createdAt, Instant revokedAt,
                          String agentId) {
    public TokenRecord(String id, String name, Role role, String hash, Instant createdAt, Instant revokedAt) {
        this(id, name, role, hash, createdAt, revokedAt, null);
    }

    public boolean revoked() {
        return revokedAt != null;
    }
}
