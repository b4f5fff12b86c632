package dev.kiln.server.store;

import dev.kiln.server.core.JobStatus;
import java.util.Set;

/**
 * A page request over jobs, newest first. {@code beforeSeq} is the cursor (0 = from the newest). {@code label} is a
 * requirement {@code key=value}; {@code text} matches name, command and id prefix.
 */
public record JobQuery(Set<JobStatus> statuses, String type, String label, String text, long beforeSeq, int limit) {
    public JobQuery {
        statuses = statuses == null ? Set.of() : Set.copyOf(statuses);
    }

    public static JobQuery firstPage(int limit) {
        return new JobQuery(Set.of(), null, null, null, 0, limit);
    }
}
