package dev.kiln.server.graph;

/** One problem of a kiln.yaml: where ({@code field} as a path like {@code jobs.clean.inputs[0]}, line, column) and what to do. */
public record GraphError(String field, int line, int column, String message) {
    @Override
    public String toString() {
        return "line " + line + ", column " + column + (field.isEmpty() ? "" : " (" + field + ")") + ": " + message;
    }
}
