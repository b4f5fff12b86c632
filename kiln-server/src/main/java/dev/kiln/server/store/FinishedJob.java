package dev.kiln.server.store;

import dev.kiln.server.core.JobStatus;
import java.time.Instant;

/**
 * What retention needs to know of a finished job: its age, what it holds and what that costs on disk.
 * {@code logBytes} and {@code artifactBytes} are what its log chunks and artifact rows take (the artifact bytes may be
 * shared with other jobs: files are content-addressed).
 */
public record FinishedJob(String id, long seq, JobStatus status, Instant finishedAt, long logBytes, int artifacts,
                          long artifactBytes, boolean logsPruned) {
}
