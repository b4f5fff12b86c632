package dev.kiln.server.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFeedTest {
    @TempDir
    Path dir;

    /**
     * The store's writer commits, then publishes: in between, the job reads as finished while its job.finished has not
     * reached any live inbox. The hub here listens on a bus nobody publishes to, so that moment lasts for the test.
     */
    @Test
    void aJobThatEndedBetweenCommitAndPublishStillSendsItsLastEventsBeforeClosing() throws Exception {
        try (var store = new SqliteStore(dir, new EventBus())) {
            var hub = new LiveHub(new EventBus());
            Instant now = Instant.now();
            var spec = new JobSpec("feed", "build", "true", null, null, null, "x86_64", null, Map.of(), Map.of(), Map.of(),
                    0, 60, 1, RetryPolicy.NONE, List.of(), false);
            Job queued = store.write(tx -> tx.insertJob(Job.newlySubmitted(JobIds.next(), spec, null, now))).join();
            Job running = queued.assigned("agent-1", now).started(now);
            Attempt attempt = Attempt.assigned(running.id(), 1, "agent-1", now).started(42, now);
            store.write(tx -> {
                tx.updateJob(running);
                tx.insertAttempt(attempt);
                return tx.appendEvent(Event.draft(running.id(), "job.started", Map.of()));
            }).join();

            // the event panel's socket: events only (lines from past any log), following attempts
            try (var feed = new JobFeed(hub, store, running, 0, Long.MAX_VALUE, 0, true, true)) {
                assertThat(kinds(feed.next(10))).containsExactly("job.started");
                assertThat(feed.next(10)).isEmpty();

                store.write(tx -> {
                    tx.updateJob(running.finished(JobStatus.SUCCEEDED, 0, null, now));
                    tx.updateAttempt(attempt.finished(JobStatus.SUCCEEDED, 0, null, null, now));
                    return tx.appendEvent(Event.draft(running.id(), "job.finished", Map.of("status", "succeeded")));
                }).join();

                List<JobFeed.Item> last = feed.next(10);
                assertThat(kinds(last)).containsExactly("job.finished", "closed");
            }
        }
    }

    private static List<String> kinds(List<JobFeed.Item> items) {
        var out = new ArrayList<String>();
        for (var item : items) {
            out.add(switch (item) {
                case JobFeed.Item.EventItem e -> e.event().kind();
                case JobFeed.Item.Closed c -> "closed";
                case JobFeed.Item.Lines l -> "lines";
            });
        }
        return out;
    }
}
