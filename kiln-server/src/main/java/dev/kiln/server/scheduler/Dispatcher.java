package dev.kiln.server.scheduler;

import dev.kiln.server.core.DaemonThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs dispatch passes when woken: a job arrived, a slot freed, an agent connected. Never on a timer. Bursts of
 * wake-ups collapse into at most one running and one pending pass (Jenkins' AtmostOneTaskExecutor).
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private final Runnable pass;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads.named("kiln-dispatcher"));

    public Dispatcher(Runnable pass) {
        this.pass = pass;
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

    private void run() {
        pending.set(false);
        try {
            pass.run();
        } catch (RuntimeException e) {
            log.error("dispatch pass failed", e);
        }
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
