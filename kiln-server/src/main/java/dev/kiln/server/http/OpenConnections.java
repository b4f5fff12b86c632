package dev.kiln.server.http;

import dev.kiln.server.auth.Principal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The streams and sockets open now, by the token and the session they were opened with, so revoking either closes
 * them at once: a check at connect time alone would let a revoked token keep watching for as long as it likes.
 */
final class OpenConnections {

    /** One open connection. {@link #revoked()} is for loops that poll; {@code onRevoke} closes sockets. */
    final class Handle implements AutoCloseable {
        private final Principal principal;
        private final Runnable onRevoke;
        private volatile boolean revoked;

        private Handle(Principal principal, Runnable onRevoke) {
            this.principal = principal;
            this.onRevoke = onRevoke;
        }

        boolean revoked() {
            return revoked;
        }

        private void revoke() {
            revoked = true;
            onRevoke.run();
        }

        @Override
        public void close() {
            remove(principal.tokenId(), this);
            if (principal.sessionId() != null) remove(principal.sessionId(), this);
        }
    }

    private final Map<String, Set<Handle>> byCredential = new ConcurrentHashMap<>();

    Handle open(Principal principal, Runnable onRevoke) {
        var handle = new Handle(principal, onRevoke);
        add(principal.tokenId(), handle);
        if (principal.sessionId() != null) add(principal.sessionId(), handle);
        return handle;
    }

    /** Revokes every connection opened with this token id or session id. */
    void revokeAll(String credentialId) {
        Set<Handle> handles = byCredential.remove(credentialId);
        if (handles != null) handles.forEach(Handle::revoke);
    }

    private void add(String key, Handle handle) {
        byCredential.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(handle);
    }

    private void remove(String key, Handle handle) {
        byCredential.computeIfPresent(key, (k, set) -> {
            set.remove(handle);
            return set.isEmpty() ? null : set;
        });
    }
}
