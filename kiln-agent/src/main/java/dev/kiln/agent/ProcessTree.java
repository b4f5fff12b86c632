package dev.kiln.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Finds and kills every process of a job. A job is its process group and session (the job's shell leads both, via
 * setsid), the descendants of its shell, and — for children that left both with setsid or {@code set -m} — every
 * process whose environment carries the job's marker variables (Jenkins' ProcessTreeKiller uses the same cookie).
 * Linux only: it reads /proc.
 */
public final class ProcessTree {
    private static final Path PROC = Path.of("/proc");
    private static final long SELF = ProcessHandle.current().pid();

    private ProcessTree() {}

    /** The marker every process of one job carries in its environment. */
    public record Marker(String agentId, String jobId) {
        boolean matches(byte[] environ) {
            boolean agent = false, job = false;
            String agentEntry = "KILN_AGENT_ID=" + agentId;
            String jobEntry = jobId == null ? null : "KILN_JOB_ID=" + jobId;
            int start = 0;
            for (int i = 0; i <= environ.length; i++) {
                if (i == environ.length || environ[i] == 0) {
                    String entry = new String(environ, start, i - start, StandardCharsets.UTF_8);
                    if (entry.equals(agentEntry)) agent = true;
                    else if (jobEntry != null && entry.equals(jobEntry)) job = true;
                    start = i + 1;
                }
            }
            return agent && (jobEntry == null || job);
        }
    }

    /** Pids of live processes in the group or session led by {@code leader}, its descendants, or carrying the marker. */
    public static Set<Long> find(long leader, Marker marker) {
        var pids = new HashSet<Long>();
        if (leader > 0) {
            ProcessHandle.of(leader).ifPresent(h -> {
                if (h.isAlive()) pids.add(leader);
                h.descendants().forEach(d -> pids.add(d.pid()));
            });
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path dir : dirs) {
                long pid = parsePid(dir.getFileName().toString());
                if (pid <= 0 || pid == SELF) continue;
                long[] stat = stat(dir);
                if (stat == null) continue; // gone, or a zombie
                if (leader > 0 && (stat[0] == leader || stat[1] == leader)) {
                    pids.add(pid);
                } else if (marker != null) {
                    try {
                        if (marker.matches(Files.readAllBytes(dir.resolve("environ")))) pids.add(pid);
                    } catch (IOException | SecurityException e) {
                        // not ours to read, or gone
                    }
                }
            }
        } catch (IOException e) {
            // no /proc: only descendants were found
        }
        pids.remove(SELF);
        return pids;
    }

    /**
     * SIGTERM to every process of the job, up to {@code grace} for them to go, then SIGKILL to whatever is left,
     * repeated until nothing is (a process may fork while we look). {@code onKill} runs before the SIGKILL round.
     */
    public static void terminate(long leader, Marker marker, Duration grace, Runnable onKill) {
        Set<Long> pids = find(leader, marker);
        if (pids.isEmpty()) return;
        signal(pids, false);
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline) {
            if (find(leader, marker).isEmpty()) return;
            sleep(25);
        }
        if (onKill != null) onKill.run();
        killNow(leader, marker, () -> false);
    }

    /** SIGKILL to every process of the job until none is left (or {@code giveUp} says so). */
    public static void killNow(long leader, Marker marker, BooleanSupplier giveUp) {
        for (int round = 0; round < 100 && !giveUp.getAsBoolean(); round++) {
            Set<Long> left = find(leader, marker);
            if (left.isEmpty()) return;
            signal(left, true);
            sleep(10);
        }
    }

    private static void signal(Set<Long> pids, boolean kill) {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(h -> {
                if (kill) h.destroyForcibly();
                else h.destroy();
            });
        }
    }

    /** pgrp and session of a live, non-zombie process; null otherwise. */
    private static long[] stat(Path dir) {
        try {
            String s = Files.readString(dir.resolve("stat"));
            // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses; cut at the last ')'
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) return null;
            return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long parsePid(String name) {
        for (int i = 0; i < name.length(); i++) if (!Character.isDigit(name.charAt(i))) return -1;
        try {
            return Long.parseLong(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
