package dev.kiln.server.core;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The job state machine, whole on one screen. Each status lists the statuses it may move to; {@link #checkTransition}
 * is the only place a transition is judged. An illegal transition is an {@link IllegalTransitionException} (HTTP 409).
 *
 * <pre>
 *   queued ──► assigned ──► running ──► succeeded | failed | timed_out
 *     │           ├────────────┼──► stopping ──► stopped           (services, on a stop)
 *     │           └────────────┴──► cancelling ──► cancelled
 *     ├──► cancelled | stopped     └──► lost    (agent gone, or the server died under the embedded agent)
 *     ▲
 *     └──── failed | timed_out | lost   (a new attempt, when the retry policy allows)
 * </pre>
 */
public enum JobStatus {
    QUEUED, ASSIGNED, RUNNING, CANCELLING, STOPPING,
    SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST, STOPPED;

    private Set<JobStatus> next;
    /** Made once: it is asked for per job in every view, event and activity snapshot. */
    private final String wireName = name().toLowerCase(Locale.ROOT);

    static {
        // queued → stopped: a service stopped before it ever ran
        QUEUED.next = EnumSet.of(ASSIGNED, CANCELLED, STOPPED);
        // assigned → failed: the attempt never started (checkout failed, command could not be spawned)
        ASSIGNED.next = EnumSet.of(RUNNING, CANCELLING, STOPPING, LOST, FAILED);
        RUNNING.next = EnumSet.of(SUCCEEDED, FAILED, TIMED_OUT, CANCELLING, LOST, STOPPING);
        // a cancelling job whose agent vanished is cancelled all the same: nobody wants it retried
        CANCELLING.next = EnumSet.of(CANCELLED);
        // a stopping service whose agent vanished is stopped all the same, as a cancelling job is cancelled
        STOPPING.next = EnumSet.of(STOPPED);
        SUCCEEDED.next = EnumSet.noneOf(JobStatus.class);
        FAILED.next = EnumSet.of(QUEUED);
        TIMED_OUT.next = EnumSet.of(QUEUED);
        LOST.next = EnumSet.of(QUEUED);
        CANCELLED.next = EnumSet.noneOf(JobStatus.class);
        STOPPED.next = EnumSet.noneOf(JobStatus.class);
    }

    public boolean canMoveTo(JobStatus target) {
        return next.contains(target);
    }

    public void checkTransition(String jobId, JobStatus target) {
        if (!canMoveTo(target)) {
            throw new IllegalTransitionException(jobId, this, target);
        }
    }

    /** Terminal for the job as a whole: no transition leads out except a retry decided at the same moment. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == TIMED_OUT || this == CANCELLED || this == LOST
                || this == STOPPED;
    }

    /** Holds an agent slot. */
    public boolean isOnAgent() {
        return this == ASSIGNED || this == RUNNING || this == CANCELLING || this == STOPPING;
    }

    public String wireName() {
        return wireName;
    }

    public static JobStatus fromWire(String s) {
        for (JobStatus status : values()) {
            if (status.wireName().equals(s)) return status;
        }
        throw new IllegalArgumentException("unknown status '" + s + "'");
    }
}
