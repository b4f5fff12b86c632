package dev.kiln.server.store.sqlite;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the WAL back into the database file on a connection and thread of its own ({@code kiln-sqlite-checkpoint}),
 * so the writer never does. SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold, on the
 * committing connection: every few hundred group commits, one of them copied thousands of pages and synced the file
 * on the writer thread. The writer's connection has it off ({@code wal_autocheckpoint=0}); this thread runs a
 * PASSIVE checkpoint every 500 commits (or 5 s after one when fewer came), which never blocks the writer (WAL lets a
 * checkpoint and a write transaction run at once) nor waits for readers. The writer restarts the WAL from its start
 * at its next transaction once a checkpoint has copied all of it, as it did before.
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);
    /** How often it looks at the writer's commit count. */
    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * Commits between two checkpoints: about the 4,000 pages SQLite's own threshold was at (a job's writes dirty a few
     * pages a commit). Checkpointing every look instead cost more in all (a hot page is copied once per checkpoint:
     * 155 µs of CPU a job at 120 jobs/s, against the writer's 50).
     */
    private static final long COMMITS_PER_CHECKPOINT = 500;
    /** A quieter server still checkpoints what it wrote, after this long. */
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Handle handle;
    private final LongSupplier commits;
    private final Thread thread;
    private volatile boolean closed;

    /** {@code commits}: how many transactions the writer has committed so far (only compared with itself). */
    WalCheckpointer(Handle handle, LongSupplier commits) {
        this.handle = handle;
        this.commits = commits;
        this.thread = new Thread(this::run, "kiln-sqlite-checkpoint");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long checkpointed = commits.getAsLong();
        long lastTime = System.nanoTime();
        while (!closed) {
            LockSupport.parkNanos(this, PERIOD_NANOS);
            long now = commits.getAsLong();
            if (closed || now == checkpointed) continue;
            if (now - checkpointed < COMMITS_PER_CHECKPOINT && System.nanoTime() - lastTime < QUIET_NANOS) continue;
            try {
                checkpoint();
                checkpointed = now;
                lastTime = System.nanoTime();
            } catch (RuntimeException e) {
                if (!closed) log.warn("WAL checkpoint failed (retried in {} ms): {}", PERIOD_NANOS / 1_000_000, e.getMessage());
            }
        }
    }

    /** One PASSIVE checkpoint: as many frames as no reader still needs. Package-private for tests. */
    void checkpoint() {
        handle.createQuery("PRAGMA wal_checkpoint(PASSIVE)").mapToMap().list();
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handle.close();
    }
}
