package dev.kiln.server.live;

import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.jobs.JobEngine;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes an {@code activity} item on the live hub whenever what is busy changes. Job events only mark it dirty;
 * one recomputation runs at most every {@value #DEBOUNCE_MS} ms, however many jobs move.
 */
public final class ActivityTracker implements AutoCloseable {
    static final long DEBOUNCE_MS = 100;
    private final JobEngine engine;
    private final LiveHub hub;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "kiln-activity");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<String, Object> last;

    public ActivityTracker(EventBus bus, JobEngine engine, LiveHub hub) {
        this.engine = engine;
        this.hub = hub;
        bus.subscribe(e -> {
            if (e.kind().startsWith("job.") && dirty.compareAndSet(false, true)) {
                timer.schedule(this::recompute, DEBOUNCE_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    public Map<String, Object> current() {
        return Activity.snapshot(engine.activeJobsSnapshot());
    }

    private void recompute() {
        dirty.set(false);
        var now = current();
        if (!Objects.equals(now, last)) {
            last = now;
            hub.publishSynthetic(new Event(0, null, "activity", Clock.nowNs(), now));
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
