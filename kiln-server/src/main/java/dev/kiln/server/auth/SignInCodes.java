package dev.kiln.server.auth;

import dev.kiln.server.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One-time sign-in codes: the URL printed at first start and by {@code kiln login-url} carries one instead of a
 * token, so a URL left in a terminal's scrollback or a browser's history is worthless once used or 15 minutes old.
 * A code acts as the token that asked for it; only its hash is stored.
 */
public final class SignInCodes {
    public static final Duration VALID_FOR = Duration.ofMinutes(15);
    private static final String PREFIX = "kcode_";

    public record Issued(String code, Instant expiresAt) {}

    private final Store store;
    private final TokenService tokens;

    public SignInCodes(Store store, TokenService tokens) {
        this.store = store;
        this.tokens = tokens;
    }

    /** A fresh code that signs in as {@code tokenId}. */
    public Issued issue(String tokenId) {
        String code = Secrets.random(PREFIX);
        Instant now = Instant.now();
        Instant expires = now.plus(VALID_FOR);
        store.write(tx -> {
            tx.insertSignInCode(TokenService.hash(code), tokenId, now, expires);
            return null;
        }).join();
        return new Issued(code, expires);
    }

    /** The principal the code signs in as, once: a used, expired or unknown code is empty. */
    public Optional<Principal> redeem(String code) {
        if (code == null || !code.startsWith(PREFIX) || code.length() > 200) return Optional.empty();
        String hash = TokenService.hash(code);
        // the update is the single-use check: of two concurrent redeems only one changes the row
        boolean redeemed = store.write(tx -> tx.redeemSignInCode(hash, Instant.now())).join();
        if (!redeemed) return Optional.empty();
        return store.signInCodeTokenId(hash).flatMap(tokens::principal);
    }
}
