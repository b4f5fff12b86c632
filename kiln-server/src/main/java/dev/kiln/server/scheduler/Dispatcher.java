package dev.kiln.server.scheduler;

import dev.kiln.server.core.DaemonThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs dispatch passes when woken: a job arrived, a slot freed, an agent connected, or a retry's backoff ended.
 * Bursts of wake-ups collapse into at most one running and one pending pass (Jenkins' AtmostOneTaskExecutor). There
 * is no polling: a pass says when it must run next at the latest (the earliest held retry), and one timer is armed
 * for that moment. A thread that has just queued a job may run the pass itself ({@link #runHere}): on an idle server that
 * saves the hand-off to the dispatcher's thread, the largest wait between a submit and its assignment.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** One dispatch pass; returns when the next pass is due even if nothing wakes the dispatcher, or null. */
    @FunctionalInterface
    public interface Pass {
        Instant run();
    }

    private final Pass pass;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("kiln-dispatcher"));
    // touched on the dispatcher thread only
    private ScheduledFuture<?> timer;
    private Instant timerAt;

    public Dispatcher(Pass pass) {
        this.pass = pass;
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // a retry's timer does not delay shutdown
    }

    /** A pass that may itself free a slot later (a claim lost to another server) and must then wake its dispatcher. */
    public Dispatcher(java.util.function.Function<Runnable, Pass> passWaking) {
        this.pass = passWaking.apply(this::wake);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    public void wake() {
        if (pending.compareAndSet(false, true)) {
            try {
                thread.execute(this::run);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    /**
     * Runs a pass now, on the caller's thread (which must hold no lock): a submit on an idle server is assigned
     * without waiting for the dispatcher's thread to be scheduled. Passes are safe to overlap (each decides under the
     * engine lock); the timer it asks for is still kept by the dispatcher's thread.
     */
    public void runHere() {
        try {
            Instant due = pass.run();
            if (due != null) thread.execute(() -> arm(due));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        } catch (RuntimeException e) {
            log.error("dispatch pass failed", e);
        }
    }

    private void run() {
        pending.set(false);
        try {
            arm(pass.run());
        } catch (RuntimeException e) {
            log.error("dispatch pass failed", e);
        }
    }

    /** Keeps one timer, for the earliest moment a pass asked for. */
    private void arm(Instant due) {
        if (due == null) return;
        if (timer != null && !timer.isDone() && !timerAt.isAfter(due)) return;
        if (timer != null) timer.cancel(false);
        long delayMs = Math.max(0, Duration.between(Instant.now(), due).toMillis() + 1);
        timerAt = due;
        timer = thread.schedule(this::wake, delayMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
