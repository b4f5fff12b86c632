package dev.kiln.server.auth;

import dev.kiln.server.core.TokenRecord;
import dev.kiln.server.core.Role;
import dev.kiln.server.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Issues, checks and revokes tokens. A token is 32 random bytes, shown once; only its SHA-256 is stored. Valid
 * tokens are held in memory by hash, so checking one costs a hash and a map lookup.
 */
public final class TokenService {
    public static final String PREFIX = "kiln_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new token: the record and, this once, the token itself. */
    public record Issued(TokenRecord record, String token) {}

    private final Store store;
    private final Map<String, Principal> byHash = new ConcurrentHashMap<>();
    private final List<Consumer<String>> revokeListeners = new CopyOnWriteArrayList<>();
    private final AgentBindings agentBindings;

    public TokenService(Store store) {
        this.store = store;
        this.agentBindings = new AgentBindings(store);
        for (TokenRecord t : store.tokens()) {
            if (!t.revoked()) byHash.put(t.hash(), new Principal(t.id(), t.name(), t.role()));
        }
    }

    public Issued create(String name, Role role) {
        return create(name, role, null);
    }

    /** {@code agentId}: for an agent token, the one agent it may speak for; null binds it on its first hello. */
    public Issued create(String name, Role role, String agentId) {
        Issued issued = newToken(name, role, agentId);
        Runnable insert = () -> store.write(tx -> {
            tx.insertToken(issued.record());
            return null;
        }).join();
        if (agentId == null) insert.run();
        else agentBindings.bindNew(issued.record().id(), agentId, insert);
        byHash.put(issued.record().hash(), principal(issued.record()));
        return issued;
    }

    /** An agent token bound to {@code agentId} that lives only as long as this server process (the embedded agent's). */
    public Issued createEphemeral(String name, String agentId) {
        Issued issued = newToken(name, Role.AGENT, agentId);
        agentBindings.bindEmbedded(issued.record().id(), agentId);
        byHash.put(issued.record().hash(), principal(issued.record()));
        return issued;
    }

    /** Which agent each agent token may speak for. */
    public AgentBindings agentBindings() {
        return agentBindings;
    }

    public Optional<Principal> verify(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 200) return Optional.empty();
        String hash = hash(token);
        Principal known = byHash.get(hash);
        return known != null ? Optional.of(known) : issuedElsewhere(hash);
    }

    /**
     * A token this server did not issue nor load at start: another server on the same database may have issued it
     * since. Looked up in the store and, when valid, held from then on (with its agent binding). A revocation on
     * another server is not seen until this one restarts (docs/architecture.md, several servers).
     */
    private Optional<Principal> issuedElsewhere(String hash) {
        for (TokenRecord t : store.tokens()) {
            if (t.revoked() || !t.hash().equals(hash)) continue;
            if (t.agentId() != null) agentBindings.learn(t.id(), t.agentId());
            Principal p = principal(t);
            byHash.put(hash, p);
            return Optional.of(p);
        }
        return Optional.empty();
    }

    public boolean revoke(String id) {
        boolean found = store.write(tx -> tx.revokeToken(id, Instant.now())).join();
        byHash.values().removeIf(p -> p.tokenId().equals(id));
        // after the cache: a listener closing a stream must not see the token still valid
        revokeListeners.forEach(l -> l.accept(id));
        agentBindings.release(id);
        return found;
    }

    /**
     * Several servers on one database: tokens another server revoked stop working here too, and what was opened
     * with them ends, as after a revocation here. Run on a timer; one read of the tokens table.
     */
    public void forgetRevokedElsewhere() {
        for (TokenRecord t : store.tokens()) {
            if (!t.revoked() || byHash.remove(t.hash()) == null) continue;
            revokeListeners.forEach(l -> l.accept(t.id()));
            agentBindings.release(t.id());
        }
    }

        /** Called with a token's id when it is revoked, so sessions and connections opened with it end too. */
    public void onRevoke(Consumer<String> listener) {
        revokeListeners.add(listener);
    }

    /** The principal of a valid token, by the token's id. */
    public Optional<Principal> principal(String tokenId) {
        return byHash.values().stream().filter(p -> p.tokenId().equals(tokenId)).findFirst();
    }

    public List<TokenRecord> list() {
        return store.tokens();
    }

    /**
     * Makes sure an admin token exists in {@code <data dir>/admin-token} (mode 0600). Returns the token when it was
     * created now (first start: the caller prints a login URL), else null.
     */
    public String ensureAdminToken(Path dataDir) {
        Path file = dataDir.resolve("admin-token");
        try {
            if (Files.exists(file) && verify(Files.readString(file).strip()).isPresent()) return null;
            Issued admin = create("admin", Role.ADMIN);
            Path tmp = dataDir.resolve("admin-token.tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, admin.token() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return admin.token();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the admin token to " + file + ": " + e.getMessage(), e);
        }
    }

    private static Issued newToken(String name, Role role, String agentId) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        var record = new TokenRecord(UUID.randomUUID().toString(), name, role, hash(token), Instant.now(), null,
                agentId);
        return new Issued(record, token);
    }

    private static Principal principal(TokenRecord t) {
        return new Principal(t.id(), t.name(), t.role());
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
