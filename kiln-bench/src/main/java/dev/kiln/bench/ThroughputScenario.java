package dev.kiln.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Trivial jobs submitted by several clients, all persisted with logs, as a ratio to the bare spawn rate; the server in
 * a process of its own, with the CPU each of its threads spent per job and the ceiling the busiest one implies.
 */
final class ThroughputScenario {
    private final Bench bench;

    ThroughputScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int n = Integer.getInteger("kiln.bench.jobs", bench.quick() ? 300 : 5000);
        // "Sustained" means after warm-up: until the JIT has compiled the job path, a rate measures the compiler as much
        // as Kiln. Most of that path runs once per job, so a method reaches C2's thresholds only after thousands of jobs:
        // by default the warm-up goes on in rounds until the compiler threads' CPU per job has fallen (see JitWarmUp).
        String warmUpSetting = System.getProperty("kiln.bench.warmUp", "auto");
        for (String command : List.of("true", "echo one line")) {
            if (!System.getProperty("kiln.bench.command", command).equals(command)) continue;
            // the machine's limit just before and just after, so a change of load on the shared machine moves both figures
            double bareBefore = bareSpawnRate(Math.max(n, 500), bench.cores());
            ServerChild server = bench.startChild(bench.cores());
            String warmUp = new JitWarmUp(server.pid(), bench.quick()).run(warmUpSetting, jobs -> bench.runJobs(command, jobs));
            var cpu = ThreadCpu.start(server.pid());
            long driverBefore = ProcStat.processCpuNs(ProcessHandle.current().pid());
            double secs = bench.runJobs(command, n);
            var figures = cpu.stop(n);
            long driverNs = ProcStat.processCpuNs(ProcessHandle.current().pid()) - driverBefore;
            double rate = n / secs;
            String memory = bench.childMemory();
            bench.stopServer();
            double bareAfter = bareSpawnRate(Math.max(n, 500), bench.cores());
            double bareRate = (bareBefore + bareAfter) / 2;
            Bench.report("throughput", String.format("'%s' %.0f jobs/s (n=%d after %s, 8 clients, capacity %d); bare spawn %.0f/s (%.0f before, %.0f after); ratio %.0f%%%s",
                    command, rate, n, warmUp, bench.cores(), bareRate, bareBefore, bareAfter, 100 * rate / bareRate, memory));
            for (String line : figures.lines()) Bench.report("", line);
            Bench.report("", String.format("  the driver (this process) %.0f µs/job; server %.0f%% and driver %.0f%% of one core",
                    driverNs / 1e3 / n, 100 * figures.processNs() / 1e9 / secs, 100 * driverNs / 1e9 / secs));
        }
    }

    /** The machine's limit: spawning the same process from Java with the same concurrency, no Kiln in between. */
    static double bareSpawnRate(int n, int concurrency) throws Exception {
        var pool = Executors.newFixedThreadPool(concurrency);
        var left = new AtomicInteger(n);
        long start = System.nanoTime();
        var futures = new ArrayList<java.util.concurrent.Future<?>>();
        for (int c = 0; c < concurrency; c++) {
            futures.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    Process p = new ProcessBuilder("setsid", "bash", "-c", "true").start();
                    p.getInputStream().readAllBytes();
                    p.waitFor();
                }
                return null;
            }));
        }
        for (var f : futures) f.get();
        pool.shutdown();
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
