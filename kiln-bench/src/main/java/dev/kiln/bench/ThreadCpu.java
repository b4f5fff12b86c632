package dev.kiln.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU per job of each named thread group of the server process, over a measured window, and the ceiling the busiest
 * single thread implies: a thread that costs {@code c} seconds per job cannot run more than {@code 1/c} jobs a second
 * however many cores there are (the JIT's compiler threads are left out of it: their work ends). Read from {@code /proc/<pid>/task} (names as the kernel keeps them, 15 characters).
 *
 * <p>Virtual threads (Jetty's requests and WebSocket handlers with {@code useVirtualThreads}) have no kernel thread of
 * their own: their time shows on the ForkJoinPool carriers, as one pool.
 */
final class ThreadCpu {
    /** Thread name prefix → group, first match wins. */
    private static final Map<String, String> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("kiln-store-writ", "writer");
        GROUPS.put("kiln-store-comp", "completions");
        GROUPS.put("kiln-event-tail", "event tail (shared database)");
        GROUPS.put("kiln-dispatcher", "dispatcher");
        GROUPS.put("kiln-to-agent", "server→agent senders");
        GROUPS.put("kiln-agent-send", "agent→server sender");
        GROUPS.put("HttpClient-", "agent WebSocket reader (JDK HttpClient)");
        GROUPS.put("job-", "agent runners/capture");
        GROUPS.put("kiln-job-runner", "agent runners/capture");
        GROUPS.put("process reaper", "process reapers (JDK)");
        GROUPS.put("kiln-agent-jani", "agent workspace janitor");
        GROUPS.put("kiln-agent-", "agent timer/connector");
        GROUPS.put("MasterPoller", "virtual threads' I/O poller (JDK)");
        GROUPS.put("ForkJoinPool-", "virtual threads (Jetty requests, WebSocket handlers)");
        GROUPS.put("qtp", "Jetty selectors");
        for (String jvm : List.of("GC Thread", "G1 ", "VM Thread", "C1 CompilerThre", "C2 CompilerThre", "VM Periodic", "Signal Dispatch",
                "Service Thread", "Monitor Deflati", "Common-Cleaner", "Notification Th", "Finalizer", "Reference Handl", "Attach Listene")) {
            GROUPS.put(jvm, "JVM (GC, JIT, VM)");
        }
    }

    private final long pid;
    private final Map<Long, ProcStat.ThreadTime> before;
    private final long processBefore;

    private ThreadCpu(long pid) {
        this.pid = pid;
        this.before = ProcStat.threads(pid);
        this.processBefore = ProcStat.processCpuNs(pid);
    }

    /** Starts a window now. */
    static ThreadCpu start(long pid) {
        return new ThreadCpu(pid);
    }

    /** One group's share of the window. */
    record Group(String name, long cpuNs, int threads, String busiestThread, long busiestNs) {}

    /** The window's figures, per job. */
    record Figures(List<Group> groups, long processNs, long exitedNs, String busiestThread, long busiestNs, long compilerNs, int jobs) {
        double perJobUs(long ns) {
            return ns / 1e3 / jobs;
        }

        /** CPU per job of the JIT's compiler threads: high while it still compiles the job path. */
        double compilerUsPerJob() {
            return perJobUs(compilerNs);
        }

        /** Jobs per second the busiest single thread allows. */
        double ceiling() {
            return busiestNs == 0 ? Double.POSITIVE_INFINITY : jobs / (busiestNs / 1e9);
        }

        /** Two report lines: CPU per job by group (busiest first), then the ceiling. */
        List<String> lines() {
            var parts = new ArrayList<String>();
            for (Group g : groups) {
                if (perJobUs(g.cpuNs) < 1) continue;
                parts.add(String.format("%s %.0f", g.name, perJobUs(g.cpuNs))
                        + (g.threads > 1 ? String.format(" (%d threads, busiest %.0f)", g.threads, perJobUs(g.busiestNs)) : ""));
            }
            if (exitedNs > 0) parts.add(String.format("threads that exited %.0f", perJobUs(exitedNs)));
            return List.of(String.format("  server CPU per job %.0f µs: ", perJobUs(processNs)) + String.join(", ", parts),
                    String.format("  busiest single thread %s %.0f µs/job → ceiling %,.0f jobs/s", busiestThread, perJobUs(busiestNs), ceiling()));
        }
    }

    /** The window from {@link #start} to now, divided over {@code jobs}. */
    Figures stop(int jobs) {
        var after = ProcStat.threads(pid);
        long process = ProcStat.processCpuNs(pid) - processBefore;
        var groups = new TreeMap<String, long[]>(); // name → {ns, threads, busiest ns}
        var busiestByGroup = new TreeMap<String, String>();
        long live = 0;
        String busiest = "-";
        long busiestNs = 0;
        long compilerNs = 0;
        for (var e : after.entrySet()) {
            var was = before.get(e.getKey());
            long ns = e.getValue().cpuNs() - (was != null && was.name() != null ? was.cpuNs() : 0);
            if (ns <= 0) continue;
            live += ns;
            String name = e.getValue().name();
            String group = groupOf(name);
            long[] g = groups.computeIfAbsent(group, k -> new long[3]);
            g[0] += ns;
            g[1]++;
            if (ns > g[2]) {
                g[2] = ns;
                busiestByGroup.put(group, name);
            }
            if (name.contains("CompilerThre")) compilerNs += ns;
            else if (ns > busiestNs) { // the JIT's work ends; the rest is every job's
                busiestNs = ns;
                busiest = name;
            }
        }
        var list = new ArrayList<Group>();
        groups.forEach((name, g) -> list.add(new Group(name, g[0], (int) g[1], busiestByGroup.get(name), g[2])));
        list.sort((a, b) -> Long.compare(b.cpuNs, a.cpuNs));
        // /proc/<pid>/stat counts in 10 ms ticks: a difference under a tick per thread is noise, not exited threads
        long exited = Math.max(0, process - live - after.size() * 10_000_000L);
        return new Figures(list, Math.max(process, live), exited, busiest, busiestNs, compilerNs, jobs);
    }

    static String groupOf(String threadName) {
        for (var e : GROUPS.entrySet()) if (threadName.startsWith(e.getKey())) return e.getValue();
        return threadName.startsWith("kiln-") ? threadName : "other (" + threadName + ")";
    }
}
