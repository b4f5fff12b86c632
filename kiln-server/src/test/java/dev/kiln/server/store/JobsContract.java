package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Jobs: insert, update, read one, secrets, the active set, counts and durations. Listing is {@link JobListingContract}. */
public interface JobsContract extends StoreFixture {

    @Test
    default void insertedJobGetsItsSeqAndRoundTripsWithSecretsKeptApart() {
        Job job = newJob(spec("a", "build", "x86_64", Map.of("os", "linux"), Map.of("TOKEN", "s3cret")));
        Job stored = write(tx -> tx.insertJob(job));
        assertThat(stored.seq()).isPositive();
        assertThat(stored.withSeq(0)).isEqualTo(job);

        Job read = store().job(job.id()).orElseThrow();
        assertThat(read.seq()).isEqualTo(stored.seq());
        assertThat(read.spec()).isEqualTo(job.spec().snapshot());
        assertThat(read.spec().secrets()).containsExactly(Map.entry("TOKEN", "***"));
        assertThat(read.withSeq(0)).isEqualTo(new Job(job.id(), 0, job.spec().snapshot(), job.status(), job.attempt(),
                job.agentId(), job.createdAt(), job.updatedAt(), job.queuedAt(), job.startedAt(), job.finishedAt(),
                job.exitCode(), job.error(), job.rerunOf(), job.outputs(), null));
        assertThat(store().secrets(job.id())).isEqualTo(Map.of("TOKEN", "s3cret"));
    }

    @Test
    default void seqIncreasesWithEachInsertedJob() {
        long a = insert("first").seq();
        long b = insert("second").seq();
        List<Job> both = write(tx -> List.of(tx.insertJob(newJob(spec("third"))), tx.insertJob(newJob(spec("fourth")))));
        assertThat(List.of(a, b, both.get(0).seq(), both.get(1).seq())).isSorted().doesNotHaveDuplicates();
    }

    @Test
    default void unknownJobAndJobWithoutSecretsReadAsEmpty() {
        Job plain = insert("plain");
        assertThat(store().job("no-such-job")).isEmpty();
        assertThat(store().secrets(plain.id())).isEmpty();
        assertThat(store().secrets("no-such-job")).isEmpty();
    }

    @Test
    default void jobIdsStartingWithAPrefixAreFoundInIdOrderUpToTheLimit() {
        // ids that share prefixes, and neighbours just outside them on either side
        var ids = List.of("abcdef01-0000-4000-8000-000000000002", "abcdef01-0000-4000-8000-000000000001",
                "abcdef02-0000-4000-8000-000000000000", "abcdeeff-0000-4000-8000-000000000000",
                "abcdeg00-0000-4000-8000-000000000000", "abcdf000-0000-4000-8000-000000000000");
        run(tx -> ids.forEach(id -> tx.insertJob(Job.newlySubmitted(id, spec(id), null, at(0)))));

        assertThat(store().jobIdsStartingWith("abcdef", 10)).containsExactly("abcdef01-0000-4000-8000-000000000001",
                "abcdef01-0000-4000-8000-000000000002", "abcdef02-0000-4000-8000-000000000000");
        assertThat(store().jobIdsStartingWith("abcdef", 2)).containsExactly("abcdef01-0000-4000-8000-000000000001",
                "abcdef01-0000-4000-8000-000000000002");
        assertThat(store().jobIdsStartingWith("abcdef02", 10)).containsExactly("abcdef02-0000-4000-8000-000000000000");
        assertThat(store().jobIdsStartingWith("abcdef01-0000-4000-8000-000000000002", 10))
                .as("a whole id is a prefix of itself").containsExactly("abcdef01-0000-4000-8000-000000000002");
        assertThat(store().jobIdsStartingWith("abcde", 10)).hasSize(5);
        assertThat(store().jobIdsStartingWith("abcdef03", 10)).isEmpty();
        assertThat(store().jobIdsStartingWith("ABCDEF", 10)).as("compared as given: callers normalise case").isEmpty();
    }

    @Test
    default void rerunOfIsKept() {
        Job first = insert("first");
        Job rerun = Job.newlySubmitted("rerun-" + first.id(), first.spec(), first.id(), at(0));
        run(tx -> tx.insertJob(rerun));
        assertThat(store().job(rerun.id()).orElseThrow().rerunOf()).isEqualTo(first.id());
    }

    @Test
    default void updateJobStoresEveryFieldThatChanges() {
        Job job = insert("update");
        Job assigned = job.assigned("agent-1", at(1));
        run(tx -> tx.updateJob(assigned));
        assertThat(store().job(job.id())).contains(assigned);

        Job finished = assigned.started(at(2)).withOutput("version", "1.2.3", at(3))
                .finished(JobStatus.FAILED, 3, "exit code 3", at(4));
        run(tx -> tx.updateJob(finished));
        Job read = store().job(job.id()).orElseThrow();
        assertThat(read).isEqualTo(finished);
        assertThat(read.outputs()).containsExactly(Map.entry("version", "1.2.3"));

        Job requeued = finished.requeued(at(5), null);
        run(tx -> tx.updateJob(requeued));
        assertThat(store().job(job.id())).contains(requeued);
    }

    private boolean claim(Job assigned) {
        Function<StoreTx, Boolean> claim = tx -> tx.claimQueuedJob(assigned);
        return write(claim);
    }

    @Test
    default void aQueuedJobIsClaimedOnceAndNeverWhenNoLongerQueued() {
        Job job = insert("claimed");
        Job mine = job.assigned("agent-1", at(1));
        assertThat(claim(mine)).isTrue();
        assertThat(store().job(job.id())).contains(mine);
        // a second server holding the same queued job in memory loses: the stored job is unchanged
        assertThat(claim(job.assigned("agent-2", at(2)))).isFalse();
        assertThat(store().job(job.id())).contains(mine);

        Job queued = insert("cancelled-meanwhile");
        Job cancelled = queued.finished(JobStatus.CANCELLED, null, "cancelled", at(3));
        run(tx -> tx.updateJob(cancelled)); // by another server, while this one still held it queued
        assertThat(claim(queued.assigned("agent-1", at(4)))).isFalse();
        assertThat(store().job(cancelled.id())).contains(cancelled);
    }

    @Test
    default void aRetryWaitingOutItsBackoffKeepsItsNotBeforeTimeUntilAssigned() {
        Job job = insert("backoff");
        Instant t = at(3);
        Job failed = job.assigned("agent-1", at(1)).started(at(2)).finished(JobStatus.FAILED, 1, "exit code 1", t);
        Job waiting = failed.requeued(t, t.plusMillis(8_250));
        run(tx -> tx.updateJob(waiting));
        assertThat(store().job(job.id()).orElseThrow().notBefore()).isEqualTo(t.plusMillis(8_250));
        assertThat(store().activeJobs()).filteredOn(j -> j.id().equals(job.id())).singleElement()
                .isEqualTo(waiting); // what a restart reads: the wait survives it

        Job assigned = waiting.assigned("agent-1", at(12));
        run(tx -> tx.updateJob(assigned));
        assertThat(store().job(job.id()).orElseThrow().notBefore()).isNull();
    }

    @Test
    default void aServiceKeepsItsReadinessRuleAndWhenItBecameReadyUntilItRunsAgain() {
        var s = spec("web");
        var service = new dev.kiln.server.core.JobSpec(s.name(), s.type(), "./serve", null, null, null, null, null,
                Map.of(), Map.of(), Map.of(), 0, 0, 10, dev.kiln.server.core.RetryPolicy.restartOnFailure(2, 1), List.of(),
                true, dev.kiln.server.core.ReadyWhen.tcpPort(8080), List.of(), null, null, null);
        Job job = write(tx -> tx.insertJob(newJob(service)));
        assertThat(store().job(job.id()).orElseThrow().spec()).isEqualTo(service);
        Instant readyAt = at(3);
        Job ready = job.assigned("agent-1", at(1)).started(at(2)).ready(readyAt);
        run(tx -> tx.updateJob(ready));
        assertThat(store().job(job.id()).orElseThrow().readyAt()).isEqualTo(readyAt);
        assertThat(store().activeJobs()).filteredOn(j -> j.id().equals(job.id())).singleElement().isEqualTo(ready);
        Job restarted = ready.finished(JobStatus.FAILED, 0, "the service exited by itself (exit code 0)", at(4))
                .requeued(at(4), at(5)).assigned("agent-1", at(6));
        run(tx -> tx.updateJob(restarted));
        assertThat(store().job(job.id()).orElseThrow().readyAt()).as("a new attempt is not ready yet").isNull();
    }

    @Test
    default void updatingAJobThatDoesNotExistFailsTheWrite() {
        Job ghost = newJob(spec("ghost"));
        assertThatThrownBy(() -> run(tx -> tx.updateJob(ghost))).isInstanceOf(CompletionException.class);
        assertThat(store().job(ghost.id())).isEmpty();
    }

    @Test
    default void activeJobsAreTheUnfinishedOnesInSubmissionOrder() {
        var expected = new ArrayList<String>();
        Instant t = at(0);
        Job queued = insert("queued");
        Job assigned = insert("assigned");
        Job running = insert("running");
        Job cancelling = insert("cancelling");
        Job stopping = insert("stopping");
        Job succeeded = insert("succeeded");
        Job cancelled = insert("cancelled");
        Job lost = insert("lost");
        run(tx -> {
            tx.updateJob(assigned.assigned("a", t));
            tx.updateJob(running.assigned("a", t).started(t));
            tx.updateJob(cancelling.assigned("a", t).withStatus(JobStatus.CANCELLING, t));
            tx.updateJob(stopping.assigned("a", t).started(t).withStatus(JobStatus.STOPPING, t));
            tx.updateJob(succeeded.assigned("a", t).started(t).finished(JobStatus.SUCCEEDED, 0, null, t));
            tx.updateJob(cancelled.withStatus(JobStatus.CANCELLED, t));
            tx.updateJob(lost.assigned("a", t).started(t).finished(JobStatus.LOST, null, "agent gone", t));
        });
        for (Job j : List.of(queued, assigned, running, cancelling, stopping)) expected.add(j.id());
        assertThat(store().activeJobs()).extracting(Job::id).containsExactlyElementsOf(expected);
        assertThat(store().activeJobs()).extracting(Job::status).containsExactly(JobStatus.QUEUED,
                JobStatus.ASSIGNED, JobStatus.RUNNING, JobStatus.CANCELLING, JobStatus.STOPPING);
    }

    @Test
    default void countByStatusCountsEveryStatusPresent() {
        assertThat(store().countByStatus().values()).allMatch(n -> n == 0);
        Instant t = at(0);
        for (int i = 0; i < 3; i++) insert("queued-" + i);
        Job a = insert("to-assign");
        Job b = insert("to-cancel");
        Job c = insert("to-succeed");
        run(tx -> {
            tx.updateJob(a.assigned("x", t));
            tx.updateJob(b.withStatus(JobStatus.CANCELLED, t));
            tx.updateJob(c.assigned("x", t).started(t).finished(JobStatus.SUCCEEDED, 0, null, t));
        });
        Map<JobStatus, Long> counts = store().countByStatus();
        assertThat(counts).containsEntry(JobStatus.QUEUED, 3L).containsEntry(JobStatus.ASSIGNED, 1L)
                .containsEntry(JobStatus.CANCELLED, 1L).containsEntry(JobStatus.SUCCEEDED, 1L);
        assertThat(counts.getOrDefault(JobStatus.RUNNING, 0L)).isZero();
        assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(6);
    }

    @Test
    default void recentDurationsAreOfSucceededJobsOfTheTypeAndNameNewestFirst() {
        Instant t = at(0);
        var durations = List.of(1_500L, 250L, 4_000L);
        for (long ms : durations) {
            Job j = insert(spec(ms == 250 ? "lint" : "compile", "build", null, Map.of(), Map.of()));
            run(tx -> tx.updateJob(j.assigned("a", t).started(t).finished(JobStatus.SUCCEEDED, 0, null, t.plusMillis(ms))));
        }
        Job failed = insert(spec("failed", "build", null, Map.of(), Map.of()));
        Job otherType = insert(spec("other", "deploy", null, Map.of(), Map.of()));
        insert(spec("still-queued", "build", null, Map.of(), Map.of()));
        run(tx -> {
            tx.updateJob(failed.assigned("a", t).started(t).finished(JobStatus.FAILED, 1, null, t.plusMillis(9_000)));
            tx.updateJob(otherType.assigned("a", t).started(t).finished(JobStatus.SUCCEEDED, 0, null, t.plusMillis(7_000)));
        });
        assertThat(store().recentDurationsMs("build", null, 10)).containsExactly(4_000L, 250L, 1_500L);
        assertThat(store().recentDurationsMs("build", null, 2)).containsExactly(4_000L, 250L);
        assertThat(store().recentDurationsMs("deploy", null, 10)).containsExactly(7_000L);
        assertThat(store().recentDurationsMs("test", null, 10)).isEmpty();
        assertThat(store().recentDurationsMs("build", "compile", 10)).containsExactly(4_000L, 1_500L);
        assertThat(store().recentDurationsMs("deploy", "compile", 10)).isEmpty();
        assertThat(store().recentDurationsMs(null, null, 10)).containsExactly(7_000L, 4_000L, 250L, 1_500L);
    }

    @Test
    default void jobsWithManyStatusesRoundTripTheirStatus() {
        Instant t = at(0);
        for (JobStatus s : Set.of(JobStatus.TIMED_OUT, JobStatus.STOPPED)) {
            Job j = insert("status-" + s);
            Job running = j.assigned("a", t).started(t);
            Job last = s == JobStatus.STOPPED
                    ? running.withStatus(JobStatus.STOPPING, t).finished(s, null, null, t)
                    : running.finished(s, null, "timeout", t);
            run(tx -> tx.updateJob(last));
            assertThat(store().job(j.id()).orElseThrow().status()).isEqualTo(s);
        }
    }
}
