package dev.kiln.server.core;

import java.util.List;
import java.util.Set;

/**
 * When a finished attempt becomes a new attempt. {@code limit} is the number of retries after the first attempt;
 * {@code onExitCodes} empty means any non-zero exit code when {@code onAnyFailure}.
 */
public record RetryPolicy(int limit, Set<Integer> onExitCodes, boolean onAnyFailure, boolean onTimeout,
                          boolean onAgentLost) {

    public static final RetryPolicy NONE = new RetryPolicy(0, Set.of(), false, false, false);

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
    public List<String> onAsWire() {
        var out = new java.util.ArrayList<String>();
        if (onAnyFailure) out.add("failure");
        onExitCodes.stream().sorted().forEach(c -> out.add(String.valueOf(c)));
        if (onTimeout) out.add("timeout");
        if (onAgentLost) out.add("agent_lost");
        return out;
    }
}
