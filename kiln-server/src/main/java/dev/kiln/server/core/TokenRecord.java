package dev.kiln.server.core;

import dev.kiln.server.core.Role;
import java.time.Instant;

/** A token as stored: never the token itself, only its hash. */
public record TokenRecord(String id, String name, Role role, String hash, Instant createdAt, Instant revokedAt) {
    public boolean revoked() {
        return revokedAt != null;
    }
}
