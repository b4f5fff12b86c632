package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the workspaces of old finished attempts ({@link WorkspaceRetention}), on a thread of its own: a big tree
 * takes a while, and neither the timer (log flushes) nor a job's thread (its finish) should wait for it.
 *
 * <p>The directory is listed once, at the first pruning (what an earlier life of the agent left); from then on the
 * janitor knows the finished workspaces in the order their attempts ended, so a job's end costs one deletion (one
 * system call for an empty workspace), not a listing and a stat of every kept workspace. Requests that arrive while a
 * pruning is pending join it.
 */
final class WorkspaceJanitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkspaceJanitor.class);

    private final Path workspaces;
    private final int keep;
    private final Supplier<Set<String>> inUse;
    private final ExecutorService thread =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("kiln-agent-janitor").factory());
    /** Workspaces whose attempts ended since the last pruning, in the order they ended. */
    private final ConcurrentLinkedQueue<String> ended = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean pending = new AtomicBoolean();
    /** The janitor thread's: the finished workspaces on disk, oldest first; null until the first listing. */
    private LinkedHashSet<String> onDisk;

    /** {@code inUse} names the workspaces of attempts the agent still holds, asked afresh at each pruning. */
    WorkspaceJanitor(Path workspaces, int keep, Supplier<Set<String>> inUse) {
        this.workspaces = workspaces;
        this.keep = keep;
        this.inUse = inUse;
    }

    /** An attempt ended: its workspace (named {@link JobPaths#attemptName}) is now the newest; prunes soon. */
    void ended(String workspace) {
        ended.add(workspace);
        pruneSoon();
    }

    /** Prunes soon, off the caller's thread. */
    void pruneSoon() {
        if (!pending.compareAndSet(false, true)) return; // the pending pruning will see this request's work too
        try {
            thread.execute(this::prune);
        } catch (RejectedExecutionException stopping) {
            // the agent is shutting down
        }
    }

    private void prune() {
        pending.set(false); // first: a request from here on schedules another pruning
        try {
            if (onDisk == null) onDisk = new LinkedHashSet<>(WorkspaceRetention.oldestFirst(workspaces));
            for (String name; (name = ended.poll()) != null; ) {
                onDisk.remove(name); // a rerun's workspace moves to the newest end
                onDisk.add(name);
            }
            var old = WorkspaceRetention.beyondKeep(onDisk, keep, inUse.get());
            for (String name : old) {
                WorkspaceRetention.delete(workspaces.resolve(name));
                onDisk.remove(name);
            }
            if (!old.isEmpty()) log.debug("deleted {} old workspace(s)", old.size());
        } catch (IOException | RuntimeException e) {
            onDisk = null; // list afresh next time rather than trust a half-done pruning
            log.warn("could not delete old workspaces: {}", e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
