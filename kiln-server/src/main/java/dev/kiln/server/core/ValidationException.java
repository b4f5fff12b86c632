package dev.kiln.server.core;

import java.util.List;

/** Input that cannot be accepted, with one entry per field that needs fixing. Rendered as HTTP 400. */
public final class ValidationException extends RuntimeException {
    public record FieldError(String field, String message) {}

    private final List<FieldError> errors;

    public ValidationException(List<FieldError> errors) {
        super(summary(errors));
        this.errors = List.copyOf(errors);
    }

    public ValidationException(String field, String message) {
        this(List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }

    private static String summary(List<FieldError> errors) {
        if (errors.size() == 1) return errors.get(0).field() + ": " + errors.get(0).message();
        return errors.size() + " fields are invalid: " + String.join(", ", errors.stream().map(FieldError::field).toList());
    }
}
