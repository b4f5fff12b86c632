package dev.kiln.server.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Estimates a queued job's wait by playing the queue forward on the slots of the agents that can run it: each slot
 * frees when its job's expected remaining time is over (the expected run time of similar jobs minus how long it has
 * run, at least 0), and each job ahead takes the first slot to free for its own expected run time. The job's wait
 * is when a slot is free for it.
 *
 * <p>The first {@value #EXACT_JOBS} jobs ahead are played one by one (O(k log s) for k jobs and s slots); the work of
 * any beyond them is spread evenly over the slots (the queue drains at the slots' rate), which is off by less than
 * one job's run and keeps a request with 100,000 jobs ahead cheap.
 */
public final class WaitEstimator {
    /** Kinds never seen before read from the store per estimate, at most. */
    static final int LOAD_BUDGET = 64;
    /** Jobs ahead played one by one; the rest is spread over the slots. */
    static final int EXACT_JOBS = 2_000;

    /** A busy slot: the kind of job in it and when that job started (null: assigned, not started yet). */
    public record Busy(DurationStats.Kind kind, Instant startedAt) {}

    /**
     * What the estimate starts from, read under the engine lock: the free slots and the busy ones of the matching
     * online agents, the jobs ahead in order (as runs of one kind), and the time the job is held until (a retry's
     * backoff) or null.
     */
    public record Situation(int freeSlots, List<Busy> busy, List<JobQueue.Run> ahead, Instant heldUntil) {}

    private final DurationStats durations;

    public WaitEstimator(DurationStats durations) {
        this.durations = durations;
    }

    /** The estimate, or null when there is no slot to wait for or no run history to go by. */
    public WaitEstimate estimate(Situation s, Instant now) {
        if (s.freeSlots() + s.busy().size() == 0) return null;
        var kinds = new LinkedHashSet<DurationStats.Kind>();
        s.busy().forEach(b -> kinds.add(b.kind()));
        s.ahead().forEach(r -> kinds.add(r.kind()));
        durations.load(kinds, LOAD_BUDGET);

        var used = new Basis();
        long[] slots = new long[s.freeSlots() + s.busy().size()];
        int i = s.freeSlots(); // free slots are free now: 0 ms
        for (Busy b : s.busy()) {
            var e = used.expected(b.kind());
            if (e == null) return null;
            long elapsed = b.startedAt() == null ? 0 : Math.max(0, Duration.between(b.startedAt(), now).toMillis());
            slots[i++] = Math.max(0, e.ms() - elapsed);
        }
        long[] runMs = new long[s.ahead().size()];
        int[] runCount = new int[runMs.length];
        for (int j = 0; j < runMs.length; j++) {
            var e = used.expected(s.ahead().get(j).kind());
            if (e == null) return null;
            runMs[j] = e.ms();
            runCount[j] = s.ahead().get(j).count();
        }
        long waitMs = waitMs(slots, runMs, runCount);
        if (s.heldUntil() != null) waitMs = Math.max(waitMs, Duration.between(now, s.heldUntil()).toMillis());
        return new WaitEstimate(Math.round(waitMs / 1000.0), used.runs(), used.worst);
    }

    /**
     * The simulation itself: {@code slotFreeInMs} says when each slot frees; the jobs ahead, in the order they will
     * be dispatched, are {@code runCount[i]} jobs of {@code runMs[i]} each. The result is when a slot is free for the
     * job behind them.
     */
    static long waitMs(long[] slotFreeInMs, long[] runMs, int[] runCount) {
        var slots = new PriorityQueue<Long>(slotFreeInMs.length);
        for (long t : slotFreeInMs) slots.add(t);
        long exactLeft = EXACT_JOBS;
        double rest = 0;
        for (int i = 0; i < runMs.length; i++) {
            long exact = Math.min(runCount[i], exactLeft);
            for (long j = 0; j < exact; j++) slots.add(slots.poll() + runMs[i]);
            exactLeft -= exact;
            rest += (double) (runCount[i] - exact) * runMs[i];
        }
        if (rest == 0) return slots.peek();
        return waterLevel(slots.stream().mapToLong(Long::longValue).sorted().toArray(), rest);
    }

    /**
     * When {@code work} more ms of jobs, spread over slots freeing at {@code sorted} (ascending), is done: the level
     * L with sum(max(0, L - free_i)) = work, filling the earliest-free slots first.
     */
    static long waterLevel(long[] sorted, double work) {
        double below = 0; // sum of the free times of the slots under the level
        for (int k = 1; k <= sorted.length; k++) {
            below += sorted[k - 1];
            double level = (work + below) / k;
            if (k == sorted.length || level <= sorted[k]) return Math.round(level);
        }
        throw new AssertionError("unreachable: the last slot always takes the rest");
    }

    /** The expectations one estimate used: each level counted once, and the least alike of them. */
    private final class Basis {
        final HashMap<DurationStats.Kind, DurationStats.Expected> memo = new HashMap<>();
        final HashMap<String, Integer> runsByLevel = new HashMap<>();
        DurationStats.Basis worst; // null until an expectation is used

        DurationStats.Expected expected(DurationStats.Kind kind) {
            var e = memo.computeIfAbsent(kind, durations::expected);
            if (e == null) return null;
            runsByLevel.putIfAbsent(e.level(), e.runs());
            if (worst == null || e.basis().compareTo(worst) > 0) worst = e.basis();
            return e;
        }

        int runs() {
            return runsByLevel.values().stream().mapToInt(Integer::intValue).sum();
        }
    }
}
