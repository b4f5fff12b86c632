package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage.FinishReason;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Stops one job's processes, once: SIGTERM to the whole tree, the grace period, then SIGKILL to whatever is left. It is
 * also the gate the process starts through, so a job stopped before its start never starts at all.
 */
final class StopSequence {
    private final ProcessTree.Marker marker;
    private final Consumer<String> system;
    private final String name;
    private final Object lock = new Object();
    private FinishReason reason; // guarded by lock; the first stop's reason wins
    private Process process; // guarded by lock
    /** Completes when the sequence has cleared the job's processes (or there were none to clear). */
    private final CompletableFuture<Void> cleared = new CompletableFuture<>();

    /** {@code system} receives the lines the job's log shows about the stop; {@code name} names its thread. */
    StopSequence(ProcessTree.Marker marker, Consumer<String> system, String name) {
        this.marker = marker;
        this.system = system;
        this.name = name;
    }

    /** Starts the job's process unless the job was stopped first. */
    Process start(ProcessBuilder pb) throws IOException, StartFailure {
        synchronized (lock) {
            throwIfStopped();
            process = pb.start();
            return process;
        }
    }

    void throwIfStopped() throws StartFailure {
        if (reason() != null) throw new StartFailure("cancelled before it started");
    }

    /** Starts the sequence on a thread of its own and returns at once. Safe to call more than once, from any thread. */
    void stop(FinishReason why, Duration grace, String message) {
        Process p;
        synchronized (lock) {
            if (reason != null) return;
            reason = why;
            p = process;
        }
        if (p == null) { // not started: start() will refuse to
            cleared.complete(null);
            return;
        }
        Thread.ofVirtual().name("stop-" + name).start(() -> {
            try {
                system.accept(message + ": sending SIGTERM to process group " + p.pid() + " (grace " + grace.toSeconds() + " s)");
                ProcessTree.terminate(p.pid(), marker, grace, () -> system.accept("grace period over: sending SIGKILL"));
            } finally {
                cleared.complete(null);
            }
        });
    }

    /** Why the job was stopped; null while nobody stopped it. */
    FinishReason reason() {
        synchronized (lock) {
            return reason;
        }
    }

    /**
     * After a stop, waits for the sequence to end. The shell may be gone while its children still get the grace
     * they were promised: a grandchild that traps SIGTERM to clean up has that time before the SIGKILL.
     */
    void awaitCleared() {
        if (reason() != null) cleared.join(); // terminate() always returns: its SIGKILL rounds are bounded
    }

    /** SIGKILL to whatever of the job is still alive, e.g. a daemonized child holding the output pipes. */
    void killRemaining() {
        Process p;
        synchronized (lock) {
            p = process;
        }
        if (p != null) ProcessTree.killNow(p.pid(), marker, () -> false);
    }
}
