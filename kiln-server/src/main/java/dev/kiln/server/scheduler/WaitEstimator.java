package dev.kiln.server.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Estimates a queued job's wait by playing the queue forward on the slots of the agents that can run it: each slot
 * frees when its job's expected remaining time is over (the expected run time of similar jobs minus how long it has
 * run, at least 0), and each job ahead takes the first slot to free for its own expected run time. The job's wait
 * is when a slot is free for it. O(k log s) for k jobs ahead and s slots: no pass over the whole queue per job.
 */
public final class WaitEstimator {
    /** Kinds never seen before read from the store per estimate, at most. */
    static final int LOAD_BUDGET = 64;

    /** A busy slot: the kind of job in it and when that job started (null: assigned, not started yet). */
    public record Busy(DurationStats.Kind kind, Instant startedAt) {}

    /**
     * What the estimate starts from, read under the engine lock: the free slots and the busy ones of the matching
     * online agents, the kinds of the jobs ahead in order, and the time the job is held until (a retry's backoff).
     */
    public record Situation(int freeSlots, List<Busy> busy, List<DurationStats.Kind> ahead, Instant heldUntil) {}

    private final DurationStats durations;

    public WaitEstimator(DurationStats durations) {
        this.durations = durations;
    }

    /** The estimate, or null when there is no slot to wait for or no run history to go by. */
    public WaitEstimate estimate(Situation s, Instant now) {
        if (s.freeSlots() + s.busy().size() == 0) return null;
        var kinds = new LinkedHashSet<DurationStats.Kind>();
        s.busy().forEach(b -> kinds.add(b.kind()));
        kinds.addAll(s.ahead());
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
        long[] ahead = new long[s.ahead().size()];
        for (int j = 0; j < ahead.length; j++) {
            var e = used.expected(s.ahead().get(j));
            if (e == null) return null;
            ahead[j] = e.ms();
        }
        long waitMs = waitMs(slots, ahead);
        if (s.heldUntil() != null) waitMs = Math.max(waitMs, Duration.between(now, s.heldUntil()).toMillis());
        return new WaitEstimate(Math.round(waitMs / 1000.0), used.runs(), used.worst);
    }

    /**
     * The simulation itself: {@code slotFreeInMs} says when each slot frees, {@code aheadMs} how long each job ahead
     * runs, in the order they will be dispatched; the result is when a slot is free for the job behind them.
     */
    static long waitMs(long[] slotFreeInMs, long[] aheadMs) {
        var slots = new PriorityQueue<Long>(Math.max(1, slotFreeInMs.length));
        for (long t : slotFreeInMs) slots.add(t);
        for (long run : aheadMs) slots.add(slots.poll() + run);
        return slots.peek();
    }

    /** The expectations one estimate used: each level counted once, and the least alike of them. */
    private final class Basis {
        final HashMap<DurationStats.Kind, DurationStats.Expected> memo = new HashMap<>();
        final HashMap<String, Integer> runsByLevel = new HashMap<>();
        DurationStats.Basis worst = DurationStats.Basis.SIMILAR;

        DurationStats.Expected expected(DurationStats.Kind kind) {
            var e = memo.computeIfAbsent(kind, durations::expected);
            if (e == null) return null;
            runsByLevel.putIfAbsent(e.level(), e.runs());
            if (e.basis().compareTo(worst) > 0) worst = e.basis();
            return e;
        }

        int runs() {
            return runsByLevel.values().stream().mapToInt(Integer::intValue).sum();
        }
    }
}
