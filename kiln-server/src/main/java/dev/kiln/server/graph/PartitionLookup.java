package dev.kiln.server.graph;

import java.util.Collection;
import java.util.Map;

/**
 * The planner's one question to the outside: the state of some partitions. Asked once per level of the plan with
 * all that level's refs, so a store answers with one query, not one per ref. A ref left out is missing.
 */
@FunctionalInterface
public interface PartitionLookup {
    /** Knows no partition: everything is built (what analyze uses until partitions are stored). */
    PartitionLookup NOTHING_BUILT = refs -> Map.of();

    Map<String, PartitionState> states(Collection<String> refs);
}
