package dev.kiln.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Warms a server child up until its JIT has compiled the job path. Most of that path runs once per job, so its methods
 * reach C2's invocation thresholds only after thousands of jobs, and until then the compiler threads take a large share
 * of the CPU: a rate measured then measures the compiler. {@code auto} runs rounds of jobs until a round costs the
 * compiler threads less than {@value #SETTLED_US} µs per job (or a cap is reached, which the description says); a number
 * runs that many jobs, as before.
 */
final class JitWarmUp {
    static final double SETTLED_US = 100;
    private static final int ROUND = 1000;

    /** Runs {@code n} jobs to their end. */
    interface Jobs {
        void run(int n) throws Exception;
    }

    private final long pid;
    private final int first;
    private final int cap;

    JitWarmUp(long pid, boolean quick) {
        this.pid = pid;
        this.first = quick ? 1000 : 2000;
        this.cap = Integer.getInteger("kiln.bench.warmUpCap", quick ? 20_000 : 40_000);
    }

    /** Warms up as {@code setting} says; returns how, for the report ("12000 warm-up (JIT settled: 80 µs/job)"). */
    String run(String setting, Jobs jobs) throws Exception {
        if (!setting.equals("auto")) {
            int n = Integer.parseInt(setting);
            jobs.run(n);
            return n + " warm-up";
        }
        jobs.run(first);
        int done = first;
        var rounds = new ArrayList<String>();
        double compiler;
        do {
            var cpu = ThreadCpu.start(pid);
            jobs.run(ROUND);
            compiler = cpu.stop(ROUND).compilerUsPerJob();
            done += ROUND;
            rounds.add(String.format("%.0f", compiler));
            System.err.printf("  warm-up: %d jobs, the JIT's compiler threads %.0f µs/job in the last %d%n", done, compiler, ROUND);
        } while (compiler >= SETTLED_US && done < cap);
        return String.format("%d warm-up, JIT %s (µs/job per round of %d: %s)", done,
                compiler < SETTLED_US ? "settled" : "NOT settled at the cap", ROUND, String.join(" ", last(rounds, 6)));
    }

    private static List<String> last(List<String> list, int n) {
        return list.subList(Math.max(0, list.size() - n), list.size());
    }
}
