package dev.kiln.server.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.scheduler.DurationStats.Basis;
import dev.kiln.server.scheduler.DurationStats.Kind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wait estimate against hand-worked cases: the queue ahead played forward on the slots. */
class WaitEstimatorTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Kind LONG = new Kind("build", "kernel");
    static final Kind QUICK = new Kind("build", "lint");
    static final Kind NEW = new Kind("build", "never-ran");
    static final Kind OTHER_TYPE = new Kind("deploy", "never-ran");

    /** A history: durations (ms, newest first) by "type/name", by "type" and for any job ("*"). */
    final Map<String, List<Long>> runs = new HashMap<>();
    final List<String> reads = new ArrayList<>();
    final DurationStats stats = new DurationStats((type, name, limit) -> {
        String key = type == null ? "*" : name == null ? type : type + "/" + name;
        reads.add(key);
        return runs.getOrDefault(key, List.of());
    });
    final WaitEstimator estimator = new WaitEstimator(stats);

    WaitEstimatorTest() {
        runs.put("build/kernel", Collections.nCopies(12, 300_000L)); // 5 min
        runs.put("build/lint", List.of(11_000L, 13_000L));
        var build = new ArrayList<>(runs.get("build/kernel"));
        build.addAll(runs.get("build/lint"));
        runs.put("build", build);
        runs.put("*", build);
    }

    static WaitEstimator.Busy startedAgo(Kind kind, long seconds) {
        return new WaitEstimator.Busy(kind, NOW.minusSeconds(seconds));
    }

    WaitEstimate estimate(int free, List<WaitEstimator.Busy> busy, List<Kind> ahead) {
        var runs = ahead.stream().map(k -> new JobQueue.Run(k, 1)).toList();
        return estimator.estimate(new WaitEstimator.Situation(free, busy, runs, null), NOW);
    }

    @Test
    void theIssue12CaseAQuickJobBehindTwoLongRunningOnesWaitsForTheirRemainingTime() {
        var e = estimate(0, List.of(startedAgo(LONG, 20), startedAgo(LONG, 60)), List.of());
        assertThat(e.seconds()).as("the first kernel build ends in 300 - 60 s").isEqualTo(240);
        assertThat(e.basisText()).isEqualTo("12 similar runs");
        assertThat(e.text()).isEqualTo("~4 min, based on 12 similar runs");
    }

    @Test
    void jobsAheadTakeTheSlotsInOrder() {
        // slots free in 0 s and 100 s; ahead: a kernel build (300 s) takes the free one, a lint (12 s) the next
        // (100 s, ends 112 s); the job behind gets the slot freeing first: 112 s
        var e = estimate(1, List.of(startedAgo(LONG, 200)), List.of(LONG, QUICK));
        assertThat(e.seconds()).isEqualTo(112);
        assertThat(e.basedOn()).as("each level counted once").isEqualTo(14);
        assertThat(e.basis()).isEqualTo(Basis.SIMILAR);
    }

    @Test
    void aFreeSlotMeansNoWaitAndAJobPastItsExpectedTimeMayEndAnyMoment() {
        assertThat(estimate(1, List.of(), List.of()).seconds()).isZero();
        assertThat(estimate(1, List.of(), List.of()).text()).isEqualTo("any moment now");
        var overdue = estimate(0, List.of(startedAgo(LONG, 900)), List.of());
        assertThat(overdue.seconds()).isZero();
        assertThat(overdue.text()).isEqualTo("any moment now, based on 12 similar runs");
        assertThat(estimate(0, List.of(new WaitEstimator.Busy(LONG, null)), List.of()).seconds())
                .as("assigned, not started: all of its run ahead").isEqualTo(300);
    }

    @Test
    void aKindWithoutHistoryFallsBackToItsTypeThenToAnyJobAndSaysSo() {
        var byType = estimate(0, List.of(startedAgo(NEW, 0)), List.of());
        assertThat(byType.basis()).isEqualTo(Basis.SAME_TYPE);
        assertThat(byType.basisText()).isEqualTo("14 runs of the same type");
        var byAny = estimate(0, List.of(startedAgo(OTHER_TYPE, 0)), List.of());
        assertThat(byAny.basisText()).isEqualTo("14 recent runs of any job");
        // the weakest level used is the one named
        assertThat(estimate(0, List.of(startedAgo(LONG, 0)), List.of(OTHER_TYPE)).basis()).isEqualTo(Basis.ANY);
    }

    @Test
    void noSlotOrNoHistoryAtAllMeansNoEstimate() {
        assertThat(estimate(0, List.of(), List.of(QUICK))).as("no agent can run it").isNull();
        runs.clear();
        var fresh = new WaitEstimator(new DurationStats((t, n, l) -> List.of()));
        assertThat(fresh.estimate(new WaitEstimator.Situation(0, List.of(startedAgo(LONG, 1)), List.of(), null), NOW)).isNull();
    }

    @Test
    void aHeldRetryWaitsAtLeastUntilItsTime() {
        var held = estimator.estimate(new WaitEstimator.Situation(2, List.of(), List.of(), NOW.plusSeconds(42)), NOW);
        assertThat(held.seconds()).isEqualTo(42);
        assertThat(held.basisText()).as("no run time was needed").isNull();
        assertThat(held.text()).isEqualTo("~42 s");
    }

    @Test
    void finishedRunsUpdateTheMeanWithoutReadingTheStoreAgain() {
        estimate(0, List.of(startedAgo(QUICK, 0)), List.of());
        int readsBefore = reads.size();
        for (int i = 0; i < 20; i++) stats.record(QUICK, 60_000);
        var e = estimate(0, List.of(startedAgo(QUICK, 0)), List.of());
        assertThat(e.seconds()).as("the window keeps the last 20 runs").isEqualTo(60);
        assertThat(reads).hasSize(readsBefore);
    }

    @Test
    void aLongQueueIsPlayedForwardOnceNotOncePerJob() {
        // 100,000 jobs ahead on 4 slots: 25,000 rounds of 12 s (what this costs per request: kiln-bench --scenario eta)
        var e = estimator.estimate(new WaitEstimator.Situation(4, List.of(), List.of(new JobQueue.Run(QUICK, 100_000)), null), NOW);
        assertThat(e.seconds()).isEqualTo(100_000 / 4 * 12);
    }

    @Test
    void beyondTheJobsPlayedOneByOneTheRestIsSpreadOverTheSlotsWithinOneJobOfExact() {
        long[] slots = {0, 30_000, 90_000};
        long[] ms = {7_000, 13_000, 61_000};
        for (int n : new int[] {WaitEstimator.EXACT_JOBS + 1, 3 * WaitEstimator.EXACT_JOBS, 50_000}) {
            int[] counts = {n / 2, n / 3, n - n / 2 - n / 3};
            long approx = WaitEstimator.waitMs(slots, ms, counts);
            // exact: one job at a time
            var heap = new java.util.PriorityQueue<Long>();
            for (long t : slots) heap.add(t);
            for (int r = 0; r < ms.length; r++) for (int j = 0; j < counts[r]; j++) heap.add(heap.poll() + ms[r]);
            assertThat(Math.abs(approx - heap.peek())).as("%d jobs ahead", n).isLessThanOrEqualTo(61_000);
        }
        assertThat(WaitEstimator.waterLevel(new long[] {0, 10, 100}, 30)).as("fills the two early slots to 20").isEqualTo(20);
        assertThat(WaitEstimator.waterLevel(new long[] {0, 10, 100}, 300)).isEqualTo(137);
    }

    @Test
    void approximateTimesReadNaturally() {
        assertThat(WaitEstimate.approximately(8)).isEqualTo("~8 s");
        assertThat(WaitEstimate.approximately(303)).isEqualTo("~5 min");
        assertThat(WaitEstimate.approximately(3600)).isEqualTo("~1 h");
        assertThat(WaitEstimate.approximately(5000)).isEqualTo("~1 h 23 min");
    }
}
