package dev.kiln.server.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.it.LogCapture;
import static org.awaitility.Awaitility.await;

import dev.kiln.server.core.Job;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ActivityTrackerTest {
    /** A build's events may still be committed while the server stops: a closed tracker ignores them quietly. */
    @Test
    void eventsAfterCloseAreIgnoredWithoutAnError() {
        var bus = new EventBus();
        var tracker = new ActivityTracker(bus, List::of, new LiveHub(bus));
        tracker.close();
        try (var log = new LogCapture()) {
            bus.publish(new Event(1, "job-1", "job.finished", Clock.nowNs(), Map.of()));
            bus.publish(new Event(2, null, "build.completed", Clock.nowNs(), Map.of()));
            assertThat(log.stackTraces()).isEmpty();
        }
    }

    /** The snapshot sorts every active job: with no client taking activity items, job events do not make one. */
    @Test
    void noSnapshotIsMadeWhileNobodyListens() throws Exception {
        var bus = new EventBus();
        var hub = new LiveHub(bus);
        var reads = new AtomicInteger();
        try (var tracker = new ActivityTracker(bus, () -> {
            reads.incrementAndGet();
            return List.of();
        }, hub); var oneJobOnly = hub.events(EventFilter.of("job-1", null)::test)) {
            bus.publish(jobEvent(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> tracker.passes() >= 1);
            assertThat(reads).hasValue(0);

            try (var everything = hub.events(EventFilter.of(null, null)::test)) {
                bus.publish(jobEvent(2));
                assertThat(nextActivity(everything)).containsEntry("busy", false);
                assertThat(reads).hasValue(1);
            }
        }
    }

    /**
     * A client that connects after a quiet spell is sent the snapshot of then; if things return to how they were
     * when the last one was published, it is told so, though that equals the last one published.
     */
    @Test
    void aClientThatReturnsSeesWhatChangedWhileNobodyListened() throws Exception {
        var bus = new EventBus();
        var hub = new LiveHub(bus);
        var active = new AtomicReference<List<Job>>(List.of());
        try (var tracker = new ActivityTracker(bus, active::get, hub)) {
            try (var first = hub.events(EventFilter.of(null, null)::test)) {
                bus.publish(jobEvent(1));
                assertThat(nextActivity(first)).containsEntry("busy", false);
            }
            active.set(List.of(Job.newlySubmitted("job-1", dev.kiln.server.jobs.JobSpecParser.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"command\": \"true\"}")), null, Instant.now())));
            int before = tracker.passes();
            bus.publish(jobEvent(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> tracker.passes() > before);

            try (var second = hub.events(EventFilter.of(null, null)::test)) {
                assertThat(tracker.current()).containsEntry("busy", true); // what the stream sends on connect
                active.set(List.of());
                bus.publish(jobEvent(3));
                assertThat(nextActivity(second)).containsEntry("busy", false);
            }
        }
    }

    private static Event jobEvent(long id) {
        return new Event(id, "job-1", "job.queued", Clock.nowNs(), Map.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nextActivity(Subscription<Event> sub) throws InterruptedException {
        for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end; ) {
            Event e = sub.poll(100);
            if (e != null && e.kind().equals("activity")) return (Map<String, Object>) e.data();
        }
        throw new AssertionError("no activity item within 10 s");
    }
}
