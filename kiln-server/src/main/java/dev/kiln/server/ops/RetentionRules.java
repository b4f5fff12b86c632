package dev.kiln.server.ops;

import dev.kiln.server.store.FinishedJob;
import java.time.Duration;
import java.time.Instant;

/**
 * The one place that decides what retention may delete of a job. Pure: the job as stored, the time, the policy and
 * the pins in; a decision out. Never an active job (not terminal), never a pinned one.
 */
public final class RetentionRules {
    private RetentionRules() {}

    /** What to delete of one job: all of it, or only its log and/or its artifacts. */
    public record Decision(boolean job, boolean logs, boolean artifacts) {
        public static final Decision KEEP = new Decision(false, false, false);
        static final Decision WHOLE_JOB = new Decision(true, false, false);

        public boolean deletesAnything() {
            return job || logs || artifacts;
        }
    }

    /** Whether retention may touch this job at all. */
    public static boolean mayDelete(FinishedJob job, Pins pins) {
        return job.status().isTerminal() && !pins.isPinned(job.id());
    }

    /** What the age limits of {@code policy} delete of {@code job} at {@code now}. */
    public static Decision byAge(FinishedJob job, Instant now, RetentionPolicy policy, Pins pins) {
        if (!mayDelete(job, pins)) return Decision.KEEP;
        Duration age = Duration.between(job.finishedAt(), now);
        if (olderThan(age, policy.jobs())) return Decision.WHOLE_JOB;
        boolean logs = olderThan(age, policy.logs()) && !job.logsPruned() && job.logBytes() > 0;
        boolean artifacts = olderThan(age, policy.artifacts()) && job.artifacts() > 0;
        return new Decision(false, logs, artifacts);
    }

    /** Over {@code --max-data-size}, the oldest finished jobs go whole, as long as they may go at all. */
    public static Decision bySize(FinishedJob job, long dataBytes, RetentionPolicy policy, Pins pins) {
        boolean over = policy.maxDataBytes() > 0 && dataBytes > policy.maxDataBytes();
        return over && mayDelete(job, pins) ? Decision.WHOLE_JOB : Decision.KEEP;
    }

    private static boolean olderThan(Duration age, Duration limit) {
        return limit != null && age.compareTo(limit) > 0;
    }
}
