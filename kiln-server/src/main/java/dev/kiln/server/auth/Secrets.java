package dev.kiln.server.auth;

import java.security.SecureRandom;
import java.util.Base64;

/** Random secrets handed out once (session ids, sign-in codes); only their hash ({@link TokenService#hash}) is kept. */
final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** {@code prefix} then 32 random bytes, URL-safe. */
    static String random(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
