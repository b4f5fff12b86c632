package dev.kiln.server.store.sqlite;

import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.store.StoreTx;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer: takes every waiting write, runs each in its own savepoint inside one transaction and commits
 * once (group commit). A failing write rolls back to its savepoint and fails only its own future; a write alone in
 * its transaction needs no savepoint (the transaction's rollback is its own). After the commit, events are published
 * in order and futures complete on a separate thread, so neither the bus's listeners nor any caller's continuation
 * runs on (and stalls) the writer.
 */
final class GroupCommitWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int MAX_BATCH = 2048;

    private record Task<T>(Function<StoreTx, T> work, CompletableFuture<T> future) {}

    private record Done(Task<?> task, Object result, Throwable failure) {}

    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    /** Work that must run outside a transaction (VACUUM steps, checkpoints): one between two group commits. */
    private final BlockingQueue<Outside> outside = new LinkedBlockingQueue<>();

    private record Outside(java.util.function.Consumer<Handle> work, CompletableFuture<Void> future) {}
    // Replaced together when a lost connection is reopened (only on the writer thread; close reads them after it ends).
    private volatile Handle handle;
    private volatile WriterSql writes;
    private final SqlDialect dialect;
    /** Opens a new writer connection when the database dropped the old one (PostgreSQL restarted); null: never (SQLite). */
    private final WriterReconnect reconnect;
    private final EventBus bus;
    private final ExecutorService completions = Executors.newSingleThreadExecutor(DaemonThreads.named("kiln-store-completions"));
    private final Thread thread;
    private volatile boolean closed;
    /** Transactions committed so far (written by the writer thread only): the WAL checkpointer looks for news here. */
    private volatile long commits;

    private final SealedSecrets secrets;
    private final KilnMetrics metrics;

    GroupCommitWriter(Handle handle, EventBus bus, SealedSecrets secrets, SqlDialect dialect, KilnMetrics metrics) {
        this(handle, null, bus, secrets, dialect, metrics);
    }

    GroupCommitWriter(Handle handle, WriterReconnect reconnect, EventBus bus, SealedSecrets secrets, SqlDialect dialect,
                      KilnMetrics metrics) {
        this.handle = handle;
        this.reconnect = reconnect;
        this.dialect = dialect;
        this.metrics = metrics;
        this.secrets = secrets;
        this.writes = new WriterSql(handle, dialect);
        this.bus = bus;
        this.thread = new Thread(this::run, "kiln-store-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Asked for the deliveries of every event appended (see {@link dev.kiln.server.store.Outbox}). */
    private volatile dev.kiln.server.store.Outbox outbox = dev.kiln.server.store.Outbox.NONE;

    void useOutbox(dev.kiln.server.store.Outbox newOutbox) {
        this.outbox = newOutbox;
    }

    <T> CompletableFuture<T> submit(Function<StoreTx, T> work) {
        var future = new CompletableFuture<T>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("store is closed"));
            return future;
        }
        queue.add(new Task<>(work, future));
        return future;
    }

    long commits() {
        return commits;
    }

    /** Runs {@code work} on the writer's connection between two group commits, outside any transaction. */
    CompletableFuture<Void> outsideTransaction(java.util.function.Consumer<Handle> work) {
        var future = new CompletableFuture<Void>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("store is closed"));
            return future;
        }
        outside.add(new Outside(work, future));
        queue.add(new Task<>(tx -> null, new CompletableFuture<>())); // wakes the writer if it waits for writes
        return future;
    }

    private void run() {
        var batch = new ArrayList<Task<?>>();
        while (!closed || !queue.isEmpty()) {
            try {
                Outside between = outside.poll();
                if (between != null) runOutside(between);
                Task<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("store writer failed a batch of {}", batch.size(), e);
            } finally {
                batch.clear();
            }
        }
    }

    private void runOutside(Outside o) {
        try {
            o.work().accept(handle);
            completions.execute(() -> o.future().complete(null));
        } catch (RuntimeException e) {
            completions.execute(() -> o.future().completeExceptionally(e));
            reopenIfLost();
        }
    }

    private void commit(List<Task<?>> batch) {
        var done = new ArrayList<Done>(batch.size());
        var events = new ArrayList<Event>();
        long began = System.nanoTime();
        try {
            beginTransaction();
            // PostgreSQL (dialect.batchLock): one advisory lock per batch, held to its commit, before any id is drawn.
            // With several servers on one database, identity ids would otherwise be drawn in one order and committed
            // in another, and a reader tailing events by id (live.EventTail) could pass a smaller id not yet
            // committed and never see it. The cost: the servers' commits are serialized, one group commit at a time.
            // Taken outside the savepoints: a rolled-back savepoint would release it.
            if (dialect.batchLock() != null) handle.select(dialect.batchLock()).mapToMap().one();
            boolean alone = batch.size() == 1; // most writes when the server is not busy: two statements fewer each
            for (Task<?> task : batch) {
                var tx = new SqlTx(writes, secrets, outbox);
                if (!alone) writes.execute("SAVEPOINT w");
                try {
                    Object result = task.work().apply(tx);
                    if (!alone) writes.execute("RELEASE SAVEPOINT w");
                    done.add(new Done(task, result, null));
                    events.addAll(tx.events());
                } catch (RuntimeException e) {
                    if (alone) {
                        try {
                            rollbackTransaction();
                        } catch (RuntimeException rollbackFailed) { // the connection's trouble: handled below
                            e.addSuppressed(rollbackFailed);
                            throw e;
                        }
                    } else {
                        writes.execute("ROLLBACK TO SAVEPOINT w");
                        writes.execute("RELEASE SAVEPOINT w");
                        writes.forgetKeys(); // the keys it drew are free again
                    }
                    done.add(new Done(task, null, e));
                }
            }
            if (alone && done.getFirst().failure() != null) { // rolled back already (the connection is fine: it did)
                completions.execute(() -> complete(done.getFirst()));
                return;
            }
            commitTransaction();
            commits++; // only this thread writes it
        } catch (RuntimeException e) {
            log.error("commit of {} writes failed", batch.size(), e);
            try {
                rollbackTransaction();
            } catch (RuntimeException ignored) {
                // the connection is already out of its transaction
            }
            RuntimeException failure = connectionLost() ? reconnect.lost(e) : e;
            var failed = List.copyOf(batch); // not the batch list itself: the writer clears it for the next batch
            completions.execute(() -> failed.forEach(t -> t.future().completeExceptionally(failure)));
            reopenIfLost();
            return;
        }
        long took = System.nanoTime() - began;
        int size = batch.size(); // the batch list is reused for the next one
        completions.execute(() -> {
            metrics.storeCommitted(size, took);
            events.forEach(bus::publish);
            done.forEach(GroupCommitWriter::complete);
        });
    }

    /*
     * SQLite: BEGIN, COMMIT and ROLLBACK as statements prepared once, the connection left in auto-commit. Through JDBC
     * a batch cost four unprepared statements in sqlite-jdbc (its commit() begins the next transaction at once, and
     * JDBI ends the transaction by setting auto-commit back, which commits that empty one). PostgreSQL keeps JDBC's.
     */
    private void beginTransaction() {
        if (dialect == SqlDialect.SQLITE) writes.execute("BEGIN");
        else handle.begin();
    }

    private void commitTransaction() {
        if (dialect == SqlDialect.SQLITE) writes.execute("COMMIT");
        else handle.commit();
    }

    private void rollbackTransaction() {
        writes.forgetKeys(); // the keys drawn in the transaction are free again
        if (dialect == SqlDialect.SQLITE) writes.execute("ROLLBACK");
        else handle.rollback();
    }

    /** Whether the failure was the connection itself (the database restarted or went away), which only a new one cures. */
    private boolean connectionLost() {
        if (reconnect == null) return false;
        try {
            return !handle.getConnection().isValid(2);
        } catch (java.sql.SQLException e) {
            return true;
        }
    }

    /**
     * After a failure on a lost connection: opens a new one, retrying with backoff. Writes submitted meanwhile fail at
     * once (saying the database is unreachable) rather than wait unbounded: their callers retry or report, as for any
     * failed write (an agent resends its unacknowledged log chunks).
     */
    private void reopenIfLost() {
        if (!connectionLost()) return;
        writes.close();
        closeQuietly(handle);
        for (int attempt = 0; !closed; attempt++) {
            try {
                Handle fresh = reconnect.open();
                handle = fresh;
                writes = new WriterSql(fresh, dialect);
                log.warn("store writer reconnected to {} after {} attempt(s)", dialect.name(), attempt + 1);
                return;
            } catch (RuntimeException e) {
                log.warn("store writer cannot reconnect to {} yet: {}", dialect.name(), e.getMessage());
                failWaiting(reconnect.unreachable(e));
                if (!reconnect.pause(attempt)) return;
            }
        }
    }

    private void failWaiting(RuntimeException failure) {
        var waiting = new ArrayList<Task<?>>();
        queue.drainTo(waiting);
        var between = new ArrayList<Outside>();
        outside.drainTo(between);
        completions.execute(() -> {
            waiting.forEach(t -> t.future().completeExceptionally(failure));
            between.forEach(o -> o.future().completeExceptionally(failure));
        });
    }

    private static void closeQuietly(Handle h) {
        try {
            h.close();
        } catch (RuntimeException ignored) {
            // the connection is gone already; closing it is only tidying
        }
    }

    @SuppressWarnings("unchecked")
    private static void complete(Done d) {
        var future = (CompletableFuture<Object>) d.task().future();
        if (d.failure() != null) future.completeExceptionally(d.failure());
        else future.complete(d.result());
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writes.close();
        outside.forEach(o -> o.future().completeExceptionally(new IllegalStateException("store is closed")));
        completions.shutdown();
        try {
            completions.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(handle);
    }
}
