package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.logs.NumberedLine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract every {@link Store} implementation passes (JobRunr's StorageProviderTest pattern). */
public abstract class StoreContractTest {
    protected final EventBus bus = new EventBus();
    protected final List<Event> published = new CopyOnWriteArrayList<>();
    protected Store store;

    protected abstract Store createStore(EventBus bus);

    @BeforeEach
    public void open() {
        bus.subscribe(published::add);
        store = createStore(bus);
    }

    @AfterEach
    public void shut() {
        store.close();
    }

    static JobSpec spec(String name, Map<String, String> secrets) {
        return new JobSpec(name, "build", "echo hi", null, null, null, "x86_64", null, Map.of("os", "linux"),
                Map.of("A", "1"), secrets, 5, 60, 10, new RetryPolicy(1, Set.of(2), false, true, true), List.of("out/*"), false);
    }

    Job insert(String name) {
        Job job = Job.newlySubmitted(JobIds.next(), spec(name, Map.of()), null, Instant.now());
        return store.write(tx -> tx.insertJob(job)).join();
    }

    @Test
    public void jobRoundTripsWithItsSpecAndSecretsKeptApart() {
        Job job = Job.newlySubmitted(JobIds.next(), spec("a", Map.of("TOKEN", "s3cret")), null, Instant.now());
        Job stored = store.write(tx -> tx.insertJob(job)).join();
        assertThat(stored.seq()).isPositive();
        Job read = store.job(job.id()).orElseThrow();
        assertThat(read.spec().command()).isEqualTo("echo hi");
        assertThat(read.spec().retry()).isEqualTo(job.spec().retry());
        assertThat(read.spec().secrets()).containsEntry("TOKEN", "***");
        assertThat(store.secrets(job.id())).containsEntry("TOKEN", "s3cret");
        assertThat(read.status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    public void stateChangeAndEventCommitTogetherOrNotAtAll() {
        Job job = insert("b");
        CompletableFuture<Object> failing = store.write(tx -> {
            tx.updateJob(job.assigned("agent-1", Instant.now()));
            tx.appendEvent(Event.draft(job.id(), "job.assigned", Map.of()));
            throw new IllegalStateException("boom");
        });
        CompletableFuture<Event> fine = store.write(tx -> tx.appendEvent(Event.draft(job.id(), "note", Map.of())));
        assertThatThrownBy(failing::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("boom");
        fine.join();
        assertThat(store.job(job.id()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(store.jobEvents(job.id(), 0, 10)).extracting(Event::kind).containsExactly("note");
        assertThat(published).extracting(Event::kind).containsExactly("note");
    }

    @Test
    public void manyConcurrentWritesAllCommitInSubmissionOrder() {
        var futures = new ArrayList<CompletableFuture<Job>>();
        for (int i = 0; i < 500; i++) {
            Job job = Job.newlySubmitted(JobIds.next(), spec("j" + i, Map.of()), null, Instant.now());
            futures.add(store.write(tx -> tx.insertJob(job)));
        }
        long prev = 0;
        for (var f : futures) {
            long seq = f.join().seq();
            assertThat(seq).isGreaterThan(prev);
            prev = seq;
        }
        assertThat(store.countByStatus()).containsEntry(JobStatus.QUEUED, 500L);
    }

    @Test
    public void pagesThroughJobsNewestFirstWithFilters() {
        for (int i = 0; i < 25; i++) insert("job-" + i);
        var first = store.jobs(new JobQuery(Set.of(), null, null, null, 0, 10));
        assertThat(first.items()).hasSize(10);
        assertThat(first.items().get(0).spec().name()).isEqualTo("job-24");
        var second = store.jobs(new JobQuery(Set.of(), null, null, null, Long.parseLong(first.nextCursor()), 10));
        assertThat(second.items().get(0).spec().name()).isEqualTo("job-14");
        var third = store.jobs(new JobQuery(Set.of(), null, null, null, Long.parseLong(second.nextCursor()), 10));
        assertThat(third.items()).hasSize(5);
        assertThat(third.nextCursor()).isNull();
        assertThat(store.jobs(new JobQuery(Set.of(JobStatus.RUNNING), null, null, null, 0, 10)).items()).isEmpty();
        assertThat(store.jobs(new JobQuery(Set.of(), "build", "arch=x86_64", "job-1", 0, 50)).items()).hasSize(11);
        assertThat(store.jobs(new JobQuery(Set.of(), null, "arch=arm64", null, 0, 50)).items()).isEmpty();
        assertThat(store.jobs(new JobQuery(Set.of(), null, null, "100%_", 0, 50)).items()).isEmpty();
    }

    @Test
    public void logLinesAreReadByRangeAcrossChunks() {
        Job job = insert("logs");
        store.write(tx -> {
            tx.insertAttempt(Attempt.assigned(job.id(), 1, "a", Instant.now()));
            return null;
        }).join();
        long next = 1;
        for (int chunk = 0; chunk < 50; chunk++) {
            var lines = new ArrayList<LogLine>();
            int size = 1 + chunk % 7 * 31;
            for (int i = 0; i < size; i++) {
                lines.add(new LogLine(1_000_000L * (next + i), i % 2 == 0 ? LogStream.STDOUT : LogStream.STDERR, "line " + (next + i) + " ✓"));
            }
            long first = next;
            store.write(tx -> {
                tx.appendLogChunk(job.id(), 1, first, lines);
                return null;
            }).join();
            next += size;
        }
        long total = next - 1;
        var page = store.logLines(job.id(), 1, 100, 250);
        assertThat(page).hasSize(250);
        assertThat(page.get(0).number()).isEqualTo(101);
        assertThat(page.get(0).line().text()).isEqualTo("line 101 ✓");
        assertThat(page.get(249).number()).isEqualTo(350);
        var tail = store.logLines(job.id(), 1, total - 3, 100);
        assertThat(tail).extracting(NumberedLine::number).containsExactly(total - 2, total - 1, total);
        assertThat(store.logLines(job.id(), 1, total, 100)).isEmpty();
        var all = new ArrayList<NumberedLine>();
        store.forEachLogLine(job.id(), 1, all::add);
        assertThat(all).hasSize((int) total);
        for (int i = 0; i < all.size(); i++) assertThat(all.get(i).number()).isEqualTo(i + 1);
    }

    @Test
    public void eventsAreOrderedAndPublishedAfterCommit() {
        Job job = insert("events");
        for (int i = 0; i < 20; i++) {
            int n = i;
            store.write(tx -> tx.appendEvent(Event.draft(n % 2 == 0 ? job.id() : null, "e" + n, Map.of("n", n))));
        }
        store.write(tx -> null).join();
        var all = store.events(0, 100);
        assertThat(all).extracting(Event::kind).containsSequence("e0", "e1", "e2");
        assertThat(store.jobEvents(job.id(), 0, 100)).hasSize(10);
        var after = store.events(all.get(4).id(), 3);
        assertThat(after).extracting(Event::id).containsExactly(all.get(5).id(), all.get(6).id(), all.get(7).id());
        assertThat(published).extracting(Event::id).isSorted();
        assertThat(all.get(2).data()).containsEntry("n", 2);
    }

    @Test
    public void activeJobsAndAttemptsSurviveReopening() {
        Job job = insert("reopen");
        store.write(tx -> {
            tx.updateJob(job.assigned("agent-1", Instant.now()));
            tx.insertAttempt(Attempt.assigned(job.id(), 1, "agent-1", Instant.now()).withLog(3, 42));
            return null;
        }).join();
        store.close();
        store = createStore(bus);
        assertThat(store.activeJobs()).extracting(Job::id).contains(job.id());
        Attempt a = store.attempt(job.id(), 1).orElseThrow();
        assertThat(a.logSeq()).isEqualTo(3);
        assertThat(a.lineCount()).isEqualTo(42);
        Job another = insert("after-reopen");
        assertThat(another.seq()).isGreaterThan(job.seq());
    }
}
