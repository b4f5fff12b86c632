package dev.kiln.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A build request as stored. {@code counts}: its requested partitions by status within the build (kept by the
 * engine, so a summary never counts rows). {@code requested} is read back only for one build ({@code Store.build});
 * in listings it is empty and {@code requestedCount} says how many (a build may request 10,000 refs). {@code driven}: the engine still follows it — active, or cancelled while
 * jobs other builds wait on still run. {@code seq} orders builds (0 until stored).
 */
public record BuildRecord(String id, long seq, String status, boolean force, String graphVersion,
                          List<String> requested, int requestedCount, Map<String, Integer> counts, int jobsTotal, int jobsDone,
                          Instant createdAt, Instant startedAt, Instant endedAt, String reason, String createdBy,
                          boolean driven) {
    public BuildRecord {
        requested = List.copyOf(requested);
        counts = Map.copyOf(counts);
    }

    public BuildRecord withSeq(long newSeq) {
        return new BuildRecord(id, newSeq, status, force, graphVersion, requested, requestedCount, counts, jobsTotal, jobsDone,
                createdAt, startedAt, endedAt, reason, createdBy, driven);
    }
}
