package dev.kiln.server.core;

/**
 * A file by content: its path (relative, e.g. {@code data/input.csv}), its SHA-256 and size. The content lives in
 * the server's content-addressed file store ({@code artifacts.ArtifactFiles}). Used for a job's inputs (placed in its
 * workspace before the command) and a release's files.
 */
public record FileRef(String path, String sha256, long size) {}
