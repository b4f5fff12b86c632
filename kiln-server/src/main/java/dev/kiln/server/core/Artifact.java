package dev.kiln.server.core;

import java.time.Instant;

/** A file a job produced: its path relative to the workspace, size and SHA-256 of its content. */
public record Artifact(String jobId, int attempt, String name, long size, String sha256, Instant createdAt) {}
