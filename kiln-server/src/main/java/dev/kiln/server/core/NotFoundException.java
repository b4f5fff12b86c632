package dev.kiln.server.core;

/** No such job (or agent). Rendered as HTTP 404. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
