package dev.kiln.server.graph;

import dev.kiln.server.core.ValidationException.FieldError;
import java.util.List;

/** Requested partitions that cannot be planned: a ref no or several definitions produce, a cycle, a plan too large. */
public final class PlanException extends RuntimeException {
    private final List<FieldError> errors;

    public PlanException(List<FieldError> errors) {
        super(errors.size() == 1 ? errors.get(0).message()
                : errors.size() + " problems; the first: " + errors.get(0).message());
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
