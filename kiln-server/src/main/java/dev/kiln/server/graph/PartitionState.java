package dev.kiln.server.graph;

/** What the planner needs to know of a partition: built before, being built by an active build request, or neither. */
public sealed interface PartitionState {
    PartitionState MISSING = new Missing();
    PartitionState AVAILABLE = new Available();

    record Missing() implements PartitionState {}

    /** Built before: skipped unless forced (historical delegation). */
    record Available() implements PartitionState {}

    /** Being built by the active build request {@code buildId}: waited for, not built again (active delegation). */
    record InFlight(String buildId) implements PartitionState {}
}
