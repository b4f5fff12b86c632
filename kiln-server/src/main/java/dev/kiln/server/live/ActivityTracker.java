package dev.kiln.server.live;

import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.core.Job;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes an {@code activity} item on the live hub whenever what is busy changes. Job events only mark it dirty;
 * one recomputation runs at most every {@value #DEBOUNCE_MS} ms, however many jobs move, and only while some stream
 * client takes activity items: the snapshot sorts every active job, and a client that connects is sent
 * {@link #current()} first, so nothing is missed by skipping it meanwhile.
 */
public final class ActivityTracker implements AutoCloseable {
    static final long DEBOUNCE_MS = 100;
    private final Supplier<List<Job>> activeJobs;
    private final Supplier<List<Map<String, Object>>> builds;
    private final LiveHub hub;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kiln-activity"));
    private final EventBus.Listening subscription;
    private volatile Map<String, Object> last;
    /** Passes of the timer so far, listened to or not (tests wait for one). */
    private final AtomicInteger passes = new AtomicInteger();
    /** What a subscriber's filter is asked: whether it takes activity items at all. */
    private static final Event PROBE = new Event(0, null, "activity", 0, Map.of());

    /** {@code activeJobs}: the unfinished jobs as the engine holds them now. */
    public ActivityTracker(EventBus bus, Supplier<List<Job>> activeJobs, LiveHub hub) {
        this(bus, activeJobs, List::of, hub);
    }

    /** {@code builds}: the build requests executing now, each {@code {kind: "build", id, status, label}}. */
    public ActivityTracker(EventBus bus, Supplier<List<Job>> activeJobs, Supplier<List<Map<String, Object>>> builds, LiveHub hub) {
        this.activeJobs = activeJobs;
        this.builds = builds;
        this.hub = hub;
        this.subscription = bus.subscribe(e -> {
            boolean moves = e.kind().startsWith("job.") || e.kind().startsWith("service.") || e.kind().startsWith("build.")
                    || e.kind().equals("partition.status");
            if (moves && dirty.compareAndSet(false, true) && !timer.isShutdown()) {
                try {
                    timer.schedule(this::recompute, DEBOUNCE_MS, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                    // an event committed while the server shuts down: nobody is left to show it to
                }
            }
        });
    }

    public Map<String, Object> current() {
        return Activity.snapshot(activeJobs.get(), builds.get());
    }

    private void recompute() {
        dirty.set(false);
        try {
            if (!hub.wanted(PROBE)) {
                // nobody listens: the next listener starts from current(), so what it was sent last is unknown
                last = null;
                return;
            }
            var now = current();
            if (!Objects.equals(now, last)) {
                last = now;
                hub.publishSynthetic(new Event(0, null, "activity", Clock.nowNs(), now));
            }
        } finally {
            passes.incrementAndGet();
        }
    }

    int passes() {
        return passes.get();
    }

    @Override
    public void close() {
        subscription.close(); // first: no event schedules a recomputation on the stopped timer
        timer.shutdownNow();
    }
}
