package dev.kiln.server.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    /** A submit runs the pass itself: the job is assigned before the submitting thread goes on. */
    @Test
    void runHereRunsThePassOnTheCallersThread() {
        var threads = new CopyOnWriteArrayList<Thread>();
        try (var dispatcher = new Dispatcher(() -> {
            threads.add(Thread.currentThread());
            return null;
        })) {
            dispatcher.runHere();
            assertThat(threads).containsExactly(Thread.currentThread());
        }
    }

    /** The time an inline pass asks to be run again at is kept: the dispatcher's own thread runs it then. */
    @Test
    void aPassRunHereStillArmsTheTimerForTheNextRelease() {
        var threads = new CopyOnWriteArrayList<String>();
        var due = new AtomicReference<Instant>(Instant.now().plusMillis(50));
        try (var dispatcher = new Dispatcher(() -> {
            threads.add(Thread.currentThread().getName());
            return due.getAndSet(null);
        })) {
            dispatcher.runHere();
            await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 2);
            assertThat(threads.get(0)).isEqualTo(Thread.currentThread().getName());
            assertThat(threads.get(1)).startsWith("kiln-dispatcher");
        }
    }

    /** A pass that fails is logged; the caller (a submit whose job is queued already) does not fail with it. */
    @Test
    void aFailingPassRunHereDoesNotFailTheCaller() {
        try (var dispatcher = new Dispatcher(() -> {
            throw new IllegalStateException("boom");
        })) {
            dispatcher.runHere();
        }
    }
}
