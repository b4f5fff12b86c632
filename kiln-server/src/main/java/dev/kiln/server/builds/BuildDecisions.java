package dev.kiln.server.builds;

import dev.kiln.server.core.JobStatus;
import java.util.List;

/**
 * The build graph's decisions, pure: what a Kiln job's status means for the partitions it makes, whether a plan job
 * may run, and whether a build has ended and how. The {@link BuildEngine} only applies them.
 */
public final class BuildDecisions {
    private BuildDecisions() {}

    /** A plan job's entry status before it is a Kiln job, and after it was given up. */
    public static final String WAITING = "waiting";
    public static final String SKIPPED = "skipped";

    /**
     * The status a partition made by a job in status {@code job} moves to from {@code now}; null when it stays.
     * A job's final status is final (a retry is decided with the attempt's end, so a stored failure is the last).
     */
    public static PartitionStatus partitionOnJob(PartitionStatus now, JobStatus job) {
        PartitionStatus target = switch (job) {
            case QUEUED, ASSIGNED -> PartitionStatus.SCHEDULED;
            case RUNNING, CANCELLING, STOPPING -> PartitionStatus.BUILDING;
            case SUCCEEDED -> PartitionStatus.AVAILABLE;
            case FAILED, TIMED_OUT, LOST, CANCELLED, STOPPED -> PartitionStatus.FAILED;
        };
        return target != now && now.canMoveTo(target) ? target : null;
    }

    /** Whether a plan job's entry (its status as stored) has ended: its Kiln job ended, or it was skipped. */
    public static boolean entryEnded(String status) {
        return SKIPPED.equals(status) || (!WAITING.equals(status) && JobStatus.fromWire(status).isTerminal());
    }

    /** What a plan job needs before it runs: a job of this build, or a partition another build makes. */
    public record Input(String name, InputState state) {}

    public enum InputState { PENDING, READY, FAILED }

    /** A waiting plan job's next step. */
    public sealed interface Readiness {
        Readiness WAIT = new Wait();
        Readiness SUBMIT = new Submit();

        record Wait() implements Readiness {}

        record Submit() implements Readiness {}

        /** An input failed: the job never runs, and {@code reason} names the input. */
        record Skip(String reason) implements Readiness {}
    }

    /** Submit when every input is ready; skip as soon as one failed (nothing downstream of a failure runs). */
    public static Readiness readiness(List<Input> inputs) {
        boolean pending = false;
        for (Input in : inputs) {
            if (in.state() == InputState.FAILED) return new Readiness.Skip("input " + in.name() + " failed");
            pending |= in.state() == InputState.PENDING;
        }
        return pending ? Readiness.WAIT : Readiness.SUBMIT;
    }

    /** How a build ends: its status and reason. */
    public record Ending(BuildStatus status, String reason) {}

    /**
     * Whether a build in {@code now} has ended: not while a plan job is open or a delegated partition is unsettled;
     * then completed when every requested partition is available, else failed with the first failure as the reason.
     */
    public static Ending ending(BuildStatus now, int openJobs, int unsettledPartitions, int failedPartitions,
                                String firstFailure) {
        if (now != BuildStatus.EXECUTING || openJobs > 0 || unsettledPartitions > 0) return null;
        if (failedPartitions == 0 && firstFailure == null) return new Ending(BuildStatus.COMPLETED, null);
        String reason = firstFailure != null ? firstFailure : failedPartitions + " requested partitions failed";
        return new Ending(BuildStatus.FAILED, reason);
    }
}
