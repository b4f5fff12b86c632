package dev.kiln.server.store;

import java.time.Instant;

/**
 * A partition a build requested and where it stands within that build. {@code delegatedTo} and
 * {@code delegationKind} ({@code active} or {@code historical}) are set when another build makes it.
 */
public record BuildPartition(String buildId, String ref, String status, String definition, String jobKey,
                             String jobId, String delegatedTo, String delegationKind, Instant updatedAt) {
    public BuildPartition withUpdatedAt(Instant at) {
        return new BuildPartition(buildId, ref, status, definition, jobKey, jobId, delegatedTo, delegationKind, at);
    }
}
