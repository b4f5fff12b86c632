package dev.kiln.protocol;

/**
 * A file the agent places in the workspace before the command runs: {@code path} relative to the workspace,
 * {@code url} (a path on the server, fetched with the agent's token) and the {@code sha256} its bytes must have. A
 * mismatch fails the attempt before the command starts.
 */
public record InputFile(String path, String sha256, String url) {}
