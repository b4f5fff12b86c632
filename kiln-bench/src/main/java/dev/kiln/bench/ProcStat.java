package dev.kiln.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What Linux says about a process and its threads ({@code /proc/<pid>}): CPU time and resident memory. */
final class ProcStat {
    /** USER_HZ: the unit of utime/stime in {@code /proc/<pid>/stat}; 100 on every Linux this runs on. */
    private static final long TICK_NS = 10_000_000L;

    private ProcStat() {}

    /** One thread at one moment: its name (the kernel keeps 15 characters of a Java thread's name) and CPU time. */
    record ThreadTime(String name, long cpuNs) {}

    /** CPU time (user + system) of the whole process, threads that have exited included, in nanoseconds. */
    static long processCpuNs(long pid) {
        return statTicks(pid, 11) * TICK_NS; // utime and stime: fields 14 and 15
    }

    /**
     * CPU time of the children the process has waited for (cutime + cstime), in nanoseconds: an agent's jobs, which
     * it spawns and reaps, are there and not in {@link #processCpuNs}.
     */
    static long reapedChildrenCpuNs(long pid) {
        return statTicks(pid, 13) * TICK_NS; // cutime and cstime: fields 16 and 17
    }

    /** The sum of two adjacent tick counts of {@code /proc/<pid>/stat}, {@code at} counted after the command name; 0 if gone. */
    private static long statTicks(long pid, int at) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // fields after the command name (which may hold spaces, so cut at its closing parenthesis)
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[at]) + Long.parseLong(f[at + 1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** CPU time every process of the machine spent (all of /proc/stat's "cpu" line but idle and iowait), in nanoseconds. */
    static long machineBusyNs() {
        try (var lines = Files.lines(Path.of("/proc/stat"))) {
            String[] f = lines.findFirst().orElseThrow().trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) if (i != 4 && i != 5) busy += Long.parseLong(f[i]); // 4 idle, 5 iowait
            return busy * TICK_NS;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Every live thread of the process by thread id, with its CPU time to the nanosecond (schedstat). */
    static Map<Long, ThreadTime> threads(long pid) {
        var out = new HashMap<Long, ThreadTime>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    long ns = Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
                    out.put(Long.parseLong(task.getFileName().toString()), new ThreadTime(name, ns));
                } catch (IOException | RuntimeException exited) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            // the process is gone, or this is not Linux
        }
        return out;
    }

    /** Resident set size in bytes, 0 when unknown. */
    static long rss(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException e) {
            // gone, or not Linux
        }
        return 0;
    }
}
