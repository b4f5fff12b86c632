package dev.kiln.server.notify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code X-Kiln-Signature: sha256=<hex>}: HMAC-SHA256 of the exact body bytes under the subscription's secret, as
 * GitHub's {@code X-Hub-Signature-256}. A receiver recomputes it and compares in constant time.
 */
public final class Signatures {
    public static final String HEADER = "X-Kiln-Signature";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Signatures() {}

    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** A new secret: 32 random bytes, hex, prefixed so it is recognisable in a config file. */
    static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "whsec_" + HexFormat.of().formatHex(bytes);
    }
}
