package dev.kiln.server.graph;

import java.util.List;

/** A kiln.yaml that cannot be loaded: every problem found, each with its line and column. */
public final class GraphFileException extends RuntimeException {
    private final List<GraphError> errors;

    public GraphFileException(List<GraphError> errors) {
        super(summary(errors));
        this.errors = List.copyOf(errors);
    }

    public List<GraphError> errors() {
        return errors;
    }

    private static String summary(List<GraphError> errors) {
        if (errors.size() == 1) return "the build graph is invalid at " + errors.get(0);
        return "the build graph has " + errors.size() + " problems; the first at " + errors.get(0);
    }
}
