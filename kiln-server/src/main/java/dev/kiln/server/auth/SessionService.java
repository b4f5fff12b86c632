package dev.kiln.server.auth;

import dev.kiln.server.core.SessionRecord;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Dashboard sessions: the cookie holds a random secret, the store its hash, the token it acts as, and when it was
 * created, last seen and expires. Active sessions are held in memory by hash, like tokens, so a request costs a hash
 * and a lookup. Ending a session (sign-out, revoke, or revoking its token) tells the listeners, which close what it
 * opened.
 */
public final class SessionService {
    private static final String PREFIX = "ksess_";
    /** Last-seen is written at most this often per session: a request must not cost a write. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    /** A new session: the record and, this once, its secret (the cookie's value). */
    public record Issued(SessionRecord record, String secret) {}

    private record Live(SessionRecord record, Principal principal) {}

    private final Store store;
    private final TokenService tokens;
    private final Duration lifetime;
    private final Map<String, Live> byHash = new ConcurrentHashMap<>();
    private final List<Consumer<String>> endListeners = new CopyOnWriteArrayList<>();

    public SessionService(Store store, TokenService tokens, Duration lifetime) {
        this.store = store;
        this.tokens = tokens;
        this.lifetime = lifetime;
        for (SessionRecord s : store.activeSessions(Instant.now())) {
            tokens.principal(s.tokenId()).ifPresent(p -> byHash.put(s.hash(), new Live(s, p.inSession(s.id()))));
        }
        tokens.onRevoke(this::endSessionsOf);
    }

    public Duration lifetime() {
        return lifetime;
    }

    /** Starts a session acting as {@code as}'s token. */
    public Issued start(Principal as) {
        String secret = Secrets.random(PREFIX);
        Instant now = Instant.now();
        var record = new SessionRecord(UUID.randomUUID().toString(), TokenService.hash(secret), as.tokenId(), now, now,
                now.plus(lifetime), null);
        store.write(tx -> {
            tx.insertSession(record);
            return null;
        }).join();
        byHash.put(record.hash(), new Live(record, new Principal(as.tokenId(), as.name(), as.role(), record.id())));
        return new Issued(record, secret);
    }

    public Optional<Principal> verify(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) return Optional.empty();
        String hash = TokenService.hash(secret);
        Live live = byHash.get(hash);
        if (live == null) return Optional.empty();
        Instant now = Instant.now();
        if (!live.record().activeAt(now)) {
            byHash.remove(hash);
            return Optional.empty();
        }
        if (live.record().lastSeenAt().plus(TOUCH_EVERY).isBefore(now)) touch(hash, live, now);
        return Optional.of(live.principal());
    }

    /** Active sessions, oldest first. */
    public List<SessionRecord> list() {
        Instant now = Instant.now();
        return byHash.values().stream().map(Live::record).filter(r -> r.activeAt(now))
                .sorted(Comparator.comparing(SessionRecord::createdAt)).toList();
    }

    public Optional<SessionRecord> find(String id) {
        return list().stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** Ends a session (sign-out or revoke); false when there is no such active session. */
    public boolean end(String id) {
        boolean found = store.write(tx -> tx.revokeSession(id, Instant.now())).join();
        boolean wasLive = byHash.values().removeIf(l -> l.record().id().equals(id));
        endListeners.forEach(l -> l.accept(id));
        return found || wasLive;
    }

    /** Called with a session's id when it ends, so whatever it opened can be closed. */
    public void onEnd(Consumer<String> listener) {
        endListeners.add(listener);
    }

    /**
     * Ends the sessions whose time is up, telling the listeners, so a stream opened with an expired session closes
     * (a new request with it is refused by {@link #verify} already). Returns how many ended. Run by a timer.
     */
    public int endExpired(Instant now) {
        var expired = byHash.values().stream().filter(l -> !l.record().activeAt(now)).toList();
        byHash.values().removeAll(expired);
        expired.forEach(l -> endListeners.forEach(listener -> listener.accept(l.record().id())));
        return expired.size();
    }

    private void endSessionsOf(String tokenId) {
        store.write(tx -> {
            tx.revokeSessionsOf(tokenId, Instant.now());
            return null;
        }).join();
        var ended = byHash.values().stream().filter(l -> l.record().tokenId().equals(tokenId)).toList();
        byHash.values().removeAll(ended);
        ended.forEach(l -> endListeners.forEach(listener -> listener.accept(l.record().id())));
    }

    private void touch(String hash, Live live, Instant now) {
        byHash.replace(hash, live, new Live(live.record().seenAt(now), live.principal()));
        // not joined: the request does not wait for a bookkeeping write
        store.write(tx -> {
            tx.touchSession(live.record().id(), now);
            return null;
        });
    }
}
