package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.Role;
import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.core.Artifact;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.TokenRecord;
import dev.kiln.server.events.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What callers build on: a write commits whole or not at all; writes submitted in order commit in order; committed
 * events are published in commit order with increasing ids (the dispatcher and the live feeds rely on it); a commit
 * survives a restart.
 */
public interface WritesContract extends StoreFixture {

    private void awaitPublished(int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(published()).hasSizeGreaterThanOrEqualTo(count));
    }

    @Test
    default void writeCompletesWithWhatTheWorkReturns() {
        String result = write(tx -> "result");
        Object nothing = write(tx -> null);
        assertThat(result).isEqualTo("result");
        assertThat(nothing).isNull();
    }

    /** A write that throws after touching every kind of record leaves nothing behind and publishes nothing. */
    @Test
    default void aFailingWriteCommitsNothingAndPublishesNothing() {
        Job job = insert("kept");
        var before = store().write(tx -> tx.appendEvent(note(job.id(), "before")));
        CompletableFuture<Object> failing = store().write(tx -> {
            tx.insertJob(newJob(spec("never")));
            tx.updateJob(job.assigned("agent-1", at(1)));
            tx.insertAttempt(Attempt.assigned(job.id(), 1, "agent-1", at(1)));
            tx.appendEvent(note(job.id(), "job.assigned"));
            tx.appendLogChunk(job.id(), 1, 1, List.of(new LogLine(1, LogStream.STDOUT, "never")));
            tx.upsertAgent(new AgentRecord("a", "never", Map.of(), 1, "1", "online", at(0), at(0)));
            tx.upsertArtifact(new Artifact(job.id(), 1, "never.txt", 1, "sha", at(0)));
            tx.insertToken(new TokenRecord("t", "never", Role.ADMIN, "hash", at(0), null));
            throw new IllegalStateException("boom");
        });
        var after = store().write(tx -> tx.appendEvent(note(job.id(), "after")));
        assertThatThrownBy(failing::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("boom");
        before.join();
        after.join();

        assertThat(store().job(job.id()).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(store().jobs(JobQuery.firstPage(10)).items()).extracting(Job::id).containsExactly(job.id());
        assertThat(store().attempts(job.id())).isEmpty();
        assertThat(store().logLines(job.id(), 1, 0, 10)).isEmpty();
        assertThat(store().agents()).isEmpty();
        assertThat(store().artifacts(job.id())).isEmpty();
        assertThat(store().tokens()).isEmpty();
        assertThat(store().countByStatus()).containsEntry(JobStatus.QUEUED, 1L);
        assertThat(store().events(0, 10)).extracting(Event::kind).containsExactly("before", "after");
        awaitPublished(2);
        assertThat(published()).extracting(Event::kind).containsExactly("before", "after");
    }

    /** A write whose own statement fails (here: updating a job that is not there) rolls back what it did before. */
    @Test
    default void aWriteFailingInTheStoreRollsBackItsEarlierChanges() {
        Job job = insert("kept");
        CompletableFuture<Object> failing = store().write(tx -> {
            tx.appendEvent(note(job.id(), "lost"));
            tx.insertJob(newJob(spec("lost-job")));
            tx.updateJob(newJob(spec("not-stored")));
            return null;
        });
        assertThatThrownBy(failing::join).isInstanceOf(CompletionException.class);
        var fine = write(tx -> tx.appendEvent(note(job.id(), "fine")));
        assertThat(store().events(0, 10)).containsExactly(fine);
        assertThat(store().jobs(JobQuery.firstPage(10)).items()).extracting(Job::id).containsExactly(job.id());
        awaitPublished(1);
        assertThat(published()).containsExactly(fine);
    }

    /**
     * The ordering guarantee: writes submitted from one thread without waiting commit in submission order, get
     * increasing job seqs and event ids in that order, and their events are published in commit order, exactly as
     * stored. Every seventh write fails, and must not disturb the order of the others.
     */
    @Test
    default void writesSubmittedInOrderCommitInOrderAndPublishInCommitOrder() {
        int n = 1_000;
        var futures = new ArrayList<CompletableFuture<Event>>();
        for (int i = 0; i < n; i++) {
            int k = i;
            futures.add(store().write(tx -> {
                Job job = tx.insertJob(newJob(spec("order-" + k)));
                if (k % 7 == 3) throw new IllegalStateException("failing write " + k);
                return tx.appendEvent(Event.draft(job.id(), "ordered", Map.of("k", k)));
            }));
        }
        var committed = new ArrayList<Event>();
        for (int k = 0; k < n; k++) {
            if (k % 7 == 3) assertThatThrownBy(futures.get(k)::join).isInstanceOf(CompletionException.class);
            else committed.add(futures.get(k).join());
        }
        assertThat(committed).extracting(e -> e.data().get("k")).isSortedAccordingTo((a, b) -> (int) a - (int) b);
        assertThat(committed).extracting(Event::id).isSorted().doesNotHaveDuplicates();

        assertThat(store().events(0, 2 * n)).containsExactlyElementsOf(committed);
        // jobs list newest first by seq: reversed, they are the committed writes' jobs in submission order
        var listed = new ArrayList<String>();
        allJobIdsNewestFirst(listed);
        assertThat(listed.reversed()).containsExactlyElementsOf(committed.stream().map(Event::jobId).toList());

        awaitPublished(committed.size());
        assertThat(published()).containsExactlyElementsOf(committed);
    }

    private void allJobIdsNewestFirst(List<String> out) {
        long before = 0;
        while (true) {
            Page<Job> page = store().jobs(new JobQuery(null, null, null, null, before, 200));
            page.items().forEach(j -> out.add(j.id()));
            if (page.nextCursor() == null) return;
            before = Long.parseLong(page.nextCursor());
        }
    }

    /** With several submitting threads, each thread's writes keep their order and the bus follows the stored order. */
    @Test
    default void concurrentWritersEachKeepTheirOrderAndTheBusFollowsTheStore() throws Exception {
        int threads = 4;
        int perThread = 250;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            var submitted = new ArrayList<Future<List<CompletableFuture<Event>>>>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                submitted.add(pool.submit(() -> {
                    var mine = new ArrayList<CompletableFuture<Event>>();
                    for (int i = 0; i < perThread; i++) {
                        int k = i;
                        mine.add(store().write(tx -> tx.appendEvent(Event.draft(null, "t" + thread, Map.of("k", k)))));
                    }
                    return mine;
                }));
            }
            for (var f : submitted) {
                List<Event> mine = f.get().stream().map(CompletableFuture::join).toList();
                assertThat(mine).extracting(Event::id).isSorted();
                assertThat(mine).extracting(e -> e.data().get("k")).isSortedAccordingTo((a, b) -> (int) a - (int) b);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Event> stored = store().events(0, threads * perThread + 10);
        assertThat(stored).hasSize(threads * perThread);
        awaitPublished(stored.size());
        assertThat(published()).containsExactlyElementsOf(stored);
    }

    /** By the time an event is published, a read sees the state committed with it. */
    @Test
    default void aPublishedEventsStateIsAlreadyReadable() {
        var seenOnPublish = new CopyOnWriteArrayList<JobStatus>();
        Job job = insert("visible");
        bus().subscribe(e -> {
            if (e.kind().equals("job.assigned")) seenOnPublish.add(store().job(e.jobId()).orElseThrow().status());
        });
        run(tx -> {
            tx.updateJob(job.assigned("agent-1", at(1)));
            tx.appendEvent(note(job.id(), "job.assigned"));
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> !seenOnPublish.isEmpty());
        assertThat(seenOnPublish).containsExactly(JobStatus.ASSIGNED);
    }

    @Test
    default void committedWritesSurviveReopeningAndIdsKeepIncreasing() {
        Job job = insert("reopen");
        Event event = write(tx -> {
            tx.updateJob(job.assigned("agent-1", at(1)));
            tx.insertAttempt(Attempt.assigned(job.id(), 1, "agent-1", at(1)).withLog(3, 42));
            return tx.appendEvent(note(job.id(), "job.assigned"));
        });
        reopen();
        assertThat(store().activeJobs()).extracting(Job::id).containsExactly(job.id());
        assertThat(store().attempt(job.id(), 1).orElseThrow().lineCount()).isEqualTo(42);
        assertThat(store().events(0, 10)).containsExactly(event);
        assertThat(insert("after-reopen").seq()).isGreaterThan(job.seq());
        assertThat(write(tx -> tx.appendEvent(note(null, "after"))).id()).isGreaterThan(event.id());
    }

    @Test
    default void aWriteAfterCloseFailsInsteadOfHanging() {
        Store closed = store();
        closeStore();
        CompletableFuture<String> late;
        try {
            late = closed.write(tx -> "late");
        } catch (RuntimeException refusedAtOnce) {
            return;
        }
        assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    }
}
