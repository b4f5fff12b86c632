package dev.kiln.server.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * When a finished attempt becomes a new attempt, and how long it waits first. {@code limit} is the number of retries
 * after the first attempt; {@code onExitCodes} empty means any non-zero exit code when {@code onAnyFailure};
 * {@code backoffSeconds} is the least wait before the first retry (0: retry at once), doubling with each retry.
 */
public record RetryPolicy(int limit, Set<Integer> onExitCodes, boolean onAnyFailure, boolean onTimeout,
                          boolean onAgentLost, int backoffSeconds) {

    public static final RetryPolicy NONE = new RetryPolicy(0, Set.of(), false, false, false, 0);
    /** The backoff of a job that does not say: long enough for a flaky dependency to recover, short for a person. */
    public static final int DEFAULT_BACKOFF_SECONDS = 5;
    /** The least wait stops doubling here, so no retry waits more than twice this (an hour). */
    public static final Duration MAX_BACKOFF_FLOOR = Duration.ofMinutes(30);
    public static final int MAX_BACKOFF_SECONDS = (int) MAX_BACKOFF_FLOOR.toSeconds();

    public RetryPolicy {
        onExitCodes = onExitCodes == null ? Set.of() : Set.copyOf(onExitCodes);
    }

    /** What ended an attempt, as far as retrying is concerned. */
    public sealed interface Outcome {
        record Exited(int exitCode) implements Outcome {}
        record TimedOut() implements Outcome {}
        record AgentLost() implements Outcome {}
        record FailedToStart() implements Outcome {}
    }

    /**
     * The job's next status after attempt number {@code attempt} (1-based) ended in {@code ended} because of
     * {@code outcome}: {@link JobStatus#QUEUED} for another attempt, else {@code ended} itself. A retry filter in
     * JobRunr's sense: it decides the next state, the engine only applies it.
     */
    public JobStatus next(int attempt, Outcome outcome, JobStatus ended) {
        return retries(attempt, outcome) ? JobStatus.QUEUED : ended;
    }

    /**
     * How long retry number {@code retry} (1 for the first) waits, given a uniform draw {@code jitter} in [0, 1).
     * Exponential with <em>equal jitter</em>: the floor {@code backoff × 2^(retry-1)} (at most
     * {@link #MAX_BACKOFF_FLOOR}) is always waited, and a random part of up to the floor again is added. Full jitter
     * (anything from 0) would spread retries as well, but may retry at once, which is the back-to-back retrying a
     * backoff is there to prevent; equal jitter keeps a guaranteed gap and still spreads a burst of jobs that failed
     * together (a shared service went down) over [floor, 2 × floor).
     */
    public Duration delay(int retry, double jitter) {
        if (backoffSeconds <= 0) return Duration.ZERO;
        if (retry < 1) throw new IllegalArgumentException("retry numbers start at 1, not " + retry);
        if (!(jitter >= 0 && jitter < 1)) throw new IllegalArgumentException("jitter must be in [0, 1), not " + jitter);
        long floor = Math.min(backoffSeconds * 1000L << Math.min(retry - 1, 31), MAX_BACKOFF_FLOOR.toMillis());
        return Duration.ofMillis(floor + (long) (jitter * floor));
    }

    private boolean retries(int attempt, Outcome outcome) {
        if (attempt > limit) return false;
        return switch (outcome) {
            case Outcome.Exited e -> e.exitCode() != 0 && (onAnyFailure || onExitCodes.contains(e.exitCode()));
            case Outcome.TimedOut t -> onTimeout;
            case Outcome.AgentLost l -> onAgentLost;
            case Outcome.FailedToStart f -> false;
        };
    }

    /** The {@code on} list as the API shows it. */
    public List<Object> onAsWire() {
        var out = new java.util.ArrayList<Object>();
        if (onAnyFailure) out.add("failure");
        onExitCodes.stream().sorted().forEach(out::add); // numbers, as the API takes them
        if (onTimeout) out.add("timeout");
        if (onAgentLost) out.add("agent_lost");
        return out;
    }
}
