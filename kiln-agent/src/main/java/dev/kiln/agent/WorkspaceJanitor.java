package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the workspaces of old finished attempts ({@link WorkspaceRetention}), on a thread of its own: a big tree
 * takes a while, and neither the timer (log flushes) nor a job's thread (its finish) should wait for it.
 */
final class WorkspaceJanitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkspaceJanitor.class);

    private final Path workspaces;
    private final int keep;
    private final Supplier<Set<String>> inUse;
    private final ExecutorService thread =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("kiln-agent-janitor").factory());

    /** {@code inUse} names the workspaces of attempts the agent still holds, asked afresh at each pruning. */
    WorkspaceJanitor(Path workspaces, int keep, Supplier<Set<String>> inUse) {
        this.workspaces = workspaces;
        this.keep = keep;
        this.inUse = inUse;
    }

    /** Prunes soon, off the caller's thread. */
    void pruneSoon() {
        try {
            thread.execute(this::prune);
        } catch (RejectedExecutionException stopping) {
            // the agent is shutting down
        }
    }

    private void prune() {
        try {
            int deleted = WorkspaceRetention.prune(workspaces, keep, inUse.get());
            if (deleted > 0) log.debug("deleted {} old workspace(s)", deleted);
        } catch (IOException | RuntimeException e) {
            log.warn("could not delete old workspaces: {}", e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
