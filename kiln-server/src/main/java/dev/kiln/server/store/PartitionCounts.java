package dev.kiln.server.store;

import java.util.Map;

/**
 * Partitions by status. Exact for all partitions (kept with every change); for a prefix each status is counted up to
 * a cap, so a count never walks a million rows — {@code capped} says some count stopped there.
 */
public record PartitionCounts(Map<String, Long> counts, boolean capped) {
    public PartitionCounts {
        counts = Map.copyOf(counts);
    }
}
