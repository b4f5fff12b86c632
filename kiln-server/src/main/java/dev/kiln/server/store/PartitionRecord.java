package dev.kiln.server.store;

import java.time.Instant;

/**
 * A partition's latest state across builds. {@code availableAt}: when it last became available (null if never),
 * kept while it is built again, so an abandoned rebuild falls back to it.
 */
public record PartitionRecord(String ref, String status, String definition, String buildId, String jobId,
                              Instant updatedAt, Instant availableAt) {}
