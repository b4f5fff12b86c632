package dev.kiln.server.core;

import java.time.Instant;

/** A dashboard session as stored: never its secret, only the secret's hash. It acts as the token {@code tokenId}. */
public record SessionRecord(String id, String hash, String tokenId, Instant createdAt, Instant lastSeenAt,
                            Instant expiresAt, Instant revokedAt) {
    public boolean activeAt(Instant now) {
        return revokedAt == null && now.isBefore(expiresAt);
    }

    public SessionRecord seenAt(Instant at) {
        return new SessionRecord(id, hash, tokenId, createdAt, at, expiresAt, revokedAt);
    }
}
