package dev.kiln.server.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
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
            Job running = started(store, now);
            Attempt attempt = store.attempt(running.id(), 1).orElseThrow();

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

    /**
     * On a shared database the job's agent may be connected to another server: its lines are stored there and never
     * reach this hub. After a quiet spell the feed reads them from the store, each once, while the job runs; a feed
     * of a one-server hub waits for the hub (which would carry them) and reads nothing.
     */
    @Test
    void onASharedDatabaseLinesStoredByAnotherServerReachTheFeedWhileTheJobRuns() throws Exception {
        try (var store = new SqliteStore(dir, new EventBus()); var shared = LiveHub.tailing(store)) {
            var oneServer = new LiveHub(new EventBus());
            Job running = started(store, Instant.now());
            try (var feed = new JobFeed(shared, store, running, 1, 0, -1, false, false);
                 var local = new JobFeed(oneServer, store, running, 1, 0, -1, false, false)) {
                assertThat(feed.next(10)).isEmpty();
                assertThat(local.next(10)).isEmpty();
                store.write(tx -> {
                    tx.appendLogChunk(running.id(), 1, 1, List.of(line("one"), line("two")));
                    return null;
                }).join();
                assertThat(texts(feed.next(JobFeed.QUIET_MS * 4))).containsExactly("one", "two");
                store.write(tx -> {
                    tx.appendLogChunk(running.id(), 1, 3, List.of(line("three")));
                    return null;
                }).join();
                assertThat(texts(feed.next(JobFeed.QUIET_MS * 4))).containsExactly("three");
                assertThat(feed.next(10)).isEmpty();
                assertThat(local.next(10)).isEmpty();
            }
        }
    }

    /** A job running its first attempt, as stored with its {@code job.started} event. */
    private static Job started(SqliteStore store, Instant now) {
        var spec = new JobSpec("feed", "build", "true", null, null, null, "x86_64", null, Map.of(), Map.of(), Map.of(),
                0, 60, 1, RetryPolicy.NONE, List.of(), false);
        Job queued = store.write(tx -> tx.insertJob(Job.newlySubmitted(JobIds.next(), spec, null, now))).join();
        Job running = queued.assigned("agent-1", now).started(now);
        store.write(tx -> {
            tx.updateJob(running);
            tx.insertAttempt(Attempt.assigned(running.id(), 1, "agent-1", now).started(42, now));
            return tx.appendEvent(Event.draft(running.id(), "job.started", Map.of()));
        }).join();
        return running;
    }

    private static LogLine line(String text) {
        return new LogLine(1, LogStream.STDOUT, text);
    }

    private static List<String> texts(List<JobFeed.Item> items) {
        var out = new ArrayList<String>();
        for (var item : items) if (item instanceof JobFeed.Item.Lines l) l.lines().forEach(n -> out.add(n.line().text()));
        return out;
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
