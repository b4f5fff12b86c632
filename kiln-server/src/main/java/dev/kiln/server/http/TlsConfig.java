package dev.kiln.server.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * HTTPS beside the plain port: a PKCS#12 keystore (certificate chain and key) and the port it serves on, with HTTP/2
 * (h2) chosen by ALPN and HTTP/1.1 for clients without it.
 */
public record TlsConfig(Path keystore, String password, int port) {
    public static final int DEFAULT_PORT = 8443;

    /** Opens the keystore once, so a wrong path or password stops the start with a message saying which. */
    public TlsConfig {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("the TLS port must be between 0 and 65535");
        if (!Files.isReadable(keystore)) throw new IllegalArgumentException("cannot read the TLS keystore " + keystore);
        try {
            KeyStore ks = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
            if (!ks.aliases().hasMoreElements()) throw new IllegalArgumentException("the TLS keystore " + keystore + " holds no key");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot open the TLS keystore " + keystore + " (wrong password, or not PKCS#12?): " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TlsConfig[keystore=" + keystore + ", port=" + port + "]"; // never the password
    }
}
