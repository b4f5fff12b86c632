package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the workspaces of old finished attempts ({@link WorkspaceRetention}) on the thread of the attempt that ended,
 * after its finish went out: nothing waits for it then, and a job's end costs no hand-off to a thread of the
 * janitor's own. One thread prunes at a time: a request that arrives while another thread prunes is left to that
 * thread, which goes on until no request is left.
 *
 * <p>The directory is listed once, at the first pruning (what an earlier life of the agent left); from then on the
 * janitor knows the finished workspaces in the order their attempts ended, so a job's end costs one deletion (one
 * system call for an empty workspace), not a listing and a stat of every kept workspace.
 */
final class WorkspaceJanitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkspaceJanitor.class);

    private final Path workspaces;
    private final int keep;
    private final Supplier<Set<String>> inUse;
    /** Workspaces whose attempts ended since the last pruning, in the order they ended. */
    private final ConcurrentLinkedQueue<String> ended = new ConcurrentLinkedQueue<>();
    /** Held by the one thread that prunes. */
    private final AtomicBoolean pruning = new AtomicBoolean();
    private volatile boolean closed;
    /** The pruning thread's: the finished workspaces on disk, oldest first; null until the first listing. */
    private LinkedHashSet<String> onDisk;

    /** {@code inUse} names the workspaces of attempts the agent still holds, asked afresh at each pruning. */
    WorkspaceJanitor(Path workspaces, int keep, Supplier<Set<String>> inUse) {
        this.workspaces = workspaces;
        this.keep = keep;
        this.inUse = inUse;
    }

    /** An attempt ended: its workspace (named {@link JobPaths#attemptName}) is now the newest; prunes on this thread. */
    void ended(String workspace) {
        ended.add(workspace);
        prune();
    }

    /**
     * Prunes on this thread, unless another thread is pruning: that one then does this request's work too. The thread
     * that prunes goes on while requests arrived meanwhile, so none is left behind.
     */
    void prune() {
        do {
            if (closed || !pruning.compareAndSet(false, true)) return;
            try {
                pruneOnce();
            } finally {
                pruning.set(false);
            }
        } while (!ended.isEmpty());
    }

    private void pruneOnce() {
        try {
            if (onDisk == null) onDisk = new LinkedHashSet<>(WorkspaceRetention.oldestFirst(workspaces));
            for (String name; (name = ended.poll()) != null; ) {
                onDisk.remove(name); // a rerun's workspace moves to the newest end
                onDisk.add(name);
            }
            var old = WorkspaceRetention.beyondKeep(onDisk, keep, inUse.get());
            for (String name : old) {
                if (closed) return;
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
        closed = true; // the agent is stopping: a pruning under way stops at its next workspace
    }
}
