package dev.kiln.server.store;

/** The database the server was pointed at cannot be used (bad address, down, refused the user); the message says what to fix. */
public final class StoreUnavailableException extends IllegalStateException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
