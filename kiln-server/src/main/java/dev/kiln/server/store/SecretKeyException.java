package dev.kiln.server.store;

/** The secrets key file is missing or not the one the stored secrets were sealed with; the message says what to do. */
public final class SecretKeyException extends IllegalStateException {
    public SecretKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
