package dev.kiln.server.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.it.LogCapture;
import java.util.List;
import java.util.Map;
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
}
