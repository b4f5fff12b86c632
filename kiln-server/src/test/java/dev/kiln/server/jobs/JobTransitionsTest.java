package dev.kiln.server.jobs;

import static dev.kiln.server.core.JobStatus.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.AgentMessage.FinishReason;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.ReadyWhen;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.Event;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every decision of the job state machine, tried from every status: where the table allows the move the decision
 * gives the expected status and events; everywhere else it refuses with an {@link IllegalTransitionException}.
 * (Expected outcomes are written out per decision; they are not read back from {@link JobStatus}'s table.)
 */
class JobTransitionsTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final RetryPolicy NO_RETRY = RetryPolicy.NONE;
    static final RetryPolicy RETRY_ALL = new RetryPolicy(2, Set.of(), true, true, true, 5);

    static Job job(JobStatus status, RetryPolicy retry) {
        var spec = new JobSpec("j", "build", "true", null, null, null, null, null, Map.of(), Map.of(), Map.of(), 0,
                60, 10, retry, List.of(), false);
        int attempt = status == QUEUED ? 0 : 1;
        return new Job("0190a5f0-0000-7000-8000-000000000001", 1, spec, status, attempt, status == QUEUED ? null : "agent-1",
                NOW, NOW, NOW, status == ASSIGNED || status == QUEUED ? null : NOW, null, null, null, null, Map.of(), null);
    }

    static Attempt attempt(Job job) {
        if (job.attempt() == 0) return null;
        return Attempt.assigned(job.id(), 1, "agent-1", NOW).withStatus(job.status());
    }

    static AgentMessage.JobFinished report(FinishReason reason, Integer exitCode) {
        return new AgentMessage.JobFinished("j", 1, exitCode, null, reason, null, 0, 0);
    }

    /** Runs {@code decide} from every status; {@code expected} lists the statuses it may start from and where it leads. */
    static void walk(RetryPolicy retry, Function<Job, JobTransitions.Decision> decide, Map<JobStatus, JobStatus> expected) {
        for (JobStatus from : JobStatus.values()) {
            Job job = job(from, retry);
            if (expected.containsKey(from)) {
                JobTransitions.Decision d = decide.apply(job);
                JobStatus to = expected.get(from);
                if (to == null) {
                    assertThat(d).as("from %s: nothing changes", from).isNull();
                } else {
                    assertThat(d.job().status()).as("from %s", from).isEqualTo(to);
                }
            } else {
                assertThatThrownBy(() -> decide.apply(job)).as("from %s", from)
                        .isInstanceOf(IllegalTransitionException.class);
            }
        }
    }

    static Map<JobStatus, JobStatus> moves(Object... fromTo) {
        var m = new EnumMap<JobStatus, JobStatus>(JobStatus.class);
        for (int i = 0; i < fromTo.length; i += 2) m.put((JobStatus) fromTo[i], (JobStatus) fromTo[i + 1]);
        return m;
    }

    @Test
    void assignTakesAQueuedJobToANewAttempt() {
        walk(NO_RETRY, j -> JobTransitions.assign(j, "agent-2", "build-2", NOW), moves(QUEUED, ASSIGNED));
        var d = JobTransitions.assign(job(QUEUED, NO_RETRY), "agent-2", "build-2", NOW);
        assertThat(d.newAttempt()).isTrue();
        assertThat(d.attempt().number()).isEqualTo(1);
        assertThat(d.attempt().agentId()).isEqualTo("agent-2");
        assertThat(kinds(d)).containsExactly("job.assigned");
        assertThat(d.systemLines()).containsExactly("assigned to agent build-2 (attempt 1)");
    }

    @Test
    void startedMovesAnAssignedJobToRunningAndKeepsACancellingOrStoppingOneSo() {
        walk(NO_RETRY, j -> JobTransitions.started(j, attempt(j), 42, 7, NOW),
                moves(ASSIGNED, RUNNING, CANCELLING, CANCELLING, STOPPING, STOPPING));
    }

    @Test
    void anAttemptItsAgentCancelledUnaskedIsLostAndRetriedLikeAnAgentGone() {
        // the agent stopped and cancelled what it ran (server shutdown under the embedded agent, --on-shutdown cancel)
        walk(NO_RETRY, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.CANCELLED, null), NOW, 0.5),
                moves(ASSIGNED, LOST, RUNNING, LOST, CANCELLING, CANCELLED, STOPPING, STOPPED));
        var lost = JobTransitions.attemptEnded(job(RUNNING, NO_RETRY), attempt(job(RUNNING, NO_RETRY)),
                report(FinishReason.CANCELLED, null), NOW, 0.5);
        assertThat(lost.job().error()).isEqualTo("cancelled by its agent, which was stopping");
        var retried = JobTransitions.attemptEnded(job(RUNNING, RETRY_ALL), attempt(job(RUNNING, RETRY_ALL)),
                report(FinishReason.CANCELLED, null), NOW, 0.5);
        assertThat(retried.job().status()).isEqualTo(QUEUED);
    }

    @Test
    void cancel() {
        walk(NO_RETRY, j -> JobTransitions.cancel(j, attempt(j), null, NOW),
                moves(QUEUED, CANCELLED, ASSIGNED, CANCELLING, RUNNING, CANCELLING, CANCELLING, null));
        var queued = JobTransitions.cancel(job(QUEUED, NO_RETRY), null, null, NOW);
        assertThat(kinds(queued)).containsExactly("job.cancelled");
        assertThat(queued.job().error()).isEqualTo("Cancelled by user");
        var running = JobTransitions.cancel(job(RUNNING, NO_RETRY), attempt(job(RUNNING, NO_RETRY)), null, NOW);
        assertThat(running.attempt().status()).isEqualTo(CANCELLING);
        assertThat(running.systemLines()).containsExactly("cancel requested by user");
    }

    @Test
    void cancellingAQueuedJobLeavesALineInItsLogSayingWho() {
        var neverRan = JobTransitions.cancel(job(QUEUED, NO_RETRY), null, "release-bot", NOW);
        assertThat(neverRan.systemLines()).containsExactly("Build cancelled by user (release-bot)");
        assertThat(neverRan.attempt()).as("no attempt: the ledger writes the queue's log, attempt 0").isNull();
        assertThat(neverRan.events().get(0).data()).containsEntry("by", "release-bot");
        assertThat(JobTransitions.cancel(job(QUEUED, NO_RETRY), null, null, NOW).systemLines())
                .containsExactly("Build cancelled by user");

        // a retry waiting in the queue: the line goes to the log of its last attempt
        var failed = attempt(job(RUNNING, RETRY_ALL)).finished(FAILED, 1, null, "exit code 1", NOW);
        Job waiting = job(RUNNING, RETRY_ALL).finished(FAILED, 1, "exit code 1", NOW).requeued(NOW, NOW.plusSeconds(5));
        var afterRetry = JobTransitions.cancel(waiting, failed, null, NOW);
        assertThat(afterRetry.attempt()).isEqualTo(failed);
        assertThat(afterRetry.job().status()).isEqualTo(CANCELLED);
        assertThat(afterRetry.job().notBefore()).isNull();
    }

    @Test
    void aRetryWaitsOutItsBackoffAndSaysSo() {
        Job running = job(RUNNING, RETRY_ALL); // backoff 5 s, retry 1: between 5 and 10 s
        var d = JobTransitions.attemptEnded(running, attempt(running), report(FinishReason.EXITED, 1), NOW, 0.5);
        assertThat(d.job().status()).isEqualTo(QUEUED);
        assertThat(d.job().notBefore()).isEqualTo(NOW.plusMillis(7_500));
        var retrying = d.events().get(1);
        assertThat(retrying.kind()).isEqualTo("job.retrying");
        assertThat(retrying.data()).containsEntry("delay_ms", 7_500L).containsEntry("not_before", NOW.plusMillis(7_500).toString())
                .containsEntry("next_attempt", 2);
        assertThat(d.systemLines()).containsExactly("retry 1 of 2 in 7.5 s");

        var lost = JobTransitions.agentGone(running, attempt(running), "gone", NOW, 0.0);
        assertThat(lost.job().notBefore()).isEqualTo(NOW.plusSeconds(5));

        var immediate = new RetryPolicy(2, Set.of(), true, true, true, 0);
        var now = JobTransitions.attemptEnded(job(RUNNING, immediate), attempt(job(RUNNING, immediate)),
                report(FinishReason.EXITED, 1), NOW, 0.5);
        assertThat(now.job().notBefore()).isNull();
        assertThat(now.events().get(1).data()).containsEntry("delay_ms", 0L).doesNotContainKey("not_before");
    }

    @Test
    void aJobLostBeforeItStartedQueuesAgainAtOnce() {
        Job assigned = job(ASSIGNED, RETRY_ALL);
        var d = JobTransitions.agentGone(assigned, attempt(assigned), "gone", NOW, 0.9);
        assertThat(d.job().status()).isEqualTo(QUEUED);
        assertThat(d.job().notBefore()).as("nothing ran, nothing to wait for").isNull();
    }

    @Test
    void exitZeroSucceedsAndNeverRetries() {
        walk(RETRY_ALL, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.EXITED, 0), NOW, 0.5),
                moves(RUNNING, SUCCEEDED, CANCELLING, CANCELLED, STOPPING, STOPPED));
    }

    @Test
    void aFailureFailsOrQueuesAgainAsThePolicySays() {
        walk(NO_RETRY, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.EXITED, 1), NOW, 0.5),
                moves(ASSIGNED, FAILED, RUNNING, FAILED, CANCELLING, CANCELLED, STOPPING, STOPPED));
        walk(RETRY_ALL, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.EXITED, 1), NOW, 0.5),
                moves(ASSIGNED, QUEUED, RUNNING, QUEUED, CANCELLING, CANCELLED, STOPPING, STOPPED));
        var retried = JobTransitions.attemptEnded(job(RUNNING, RETRY_ALL), attempt(job(RUNNING, RETRY_ALL)),
                report(FinishReason.EXITED, 3), NOW, 0.5);
        assertThat(kinds(retried)).containsExactly("job.finished", "job.retrying");
        assertThat(retried.attempt().status()).isEqualTo(FAILED);
        assertThat(retried.job().error()).isEqualTo("exit code 3");
    }

    @Test
    void aTimeoutTimesOutOrQueuesAgain() {
        walk(NO_RETRY, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.TIMED_OUT, null), NOW, 0.5),
                moves(RUNNING, TIMED_OUT, CANCELLING, CANCELLED, STOPPING, STOPPED));
        walk(RETRY_ALL, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.TIMED_OUT, null), NOW, 0.5),
                moves(RUNNING, QUEUED, CANCELLING, CANCELLED, STOPPING, STOPPED));
    }

    @Test
    void aJobThatCouldNotStartFailsWhateverThePolicy() {
        walk(RETRY_ALL, j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.FAILED_TO_START, null), NOW, 0.5),
                moves(ASSIGNED, FAILED, RUNNING, FAILED, CANCELLING, CANCELLED, STOPPING, STOPPED));
    }

    @Test
    void agentGoneLosesTheAttemptRequeuesWhatNeverStartedAndCancelsWhatWasCancelling() {
        // a stopping service whose agent is gone is stopped, whatever its restart policy: nobody wants it back
        walk(NO_RETRY, j -> JobTransitions.agentGone(j, attempt(j), "gone", NOW, 0.5),
                moves(ASSIGNED, QUEUED, RUNNING, LOST, CANCELLING, CANCELLED, STOPPING, STOPPED));
        walk(RETRY_ALL, j -> JobTransitions.agentGone(j, attempt(j), "gone", NOW, 0.5),
                moves(ASSIGNED, QUEUED, RUNNING, QUEUED, CANCELLING, CANCELLED, STOPPING, STOPPED));
        var lost = JobTransitions.agentGone(job(RUNNING, NO_RETRY), attempt(job(RUNNING, NO_RETRY)), "gone", NOW, 0.5);
        assertThat(kinds(lost)).containsExactly("job.lost");
        assertThat(lost.attempt().status()).isEqualTo(LOST);
        assertThat(lost.systemLines()).containsExactly("attempt lost: gone");
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void everyDecisionLandsOnAStatusTheTableAllows(JobStatus from) {
        // the decisions never invent a move: whatever they return is in the table (or a retry through it)
        Job job = job(from, RETRY_ALL);
        for (Function<Job, JobTransitions.Decision> decide : List.<Function<Job, JobTransitions.Decision>>of(
                j -> JobTransitions.cancel(j, attempt(j), null, NOW),
                j -> JobTransitions.stop(asService(j, null), attempt(j), null, NOW),
                j -> JobTransitions.ready(asService(j, ReadyWhen.tcpPort(8080)), attempt(j), "port 8080 accepts connections", NOW),
                j -> JobTransitions.attemptEnded(asService(j, null), attempt(j), report(FinishReason.EXITED, 0), NOW, 0.5),
                j -> JobTransitions.agentGone(j, attempt(j), "gone", NOW, 0.5),
                j -> JobTransitions.attemptEnded(j, attempt(j), report(FinishReason.EXITED, 1), NOW, 0.5))) {
            try {
                var d = decide.apply(job);
                if (d == null || d.job().status() == from) continue;
                JobStatus to = d.job().status();
                assertThat(from.canMoveTo(to) || (to == QUEUED && d.events().size() == 2)).as("%s -> %s", from, to).isTrue();
            } catch (IllegalTransitionException refused) {
                // refused is fine: the walks above say where
            }
        }
    }

    // ---------------------------------------------------------------- services

    static final RetryPolicy RESTART_TWICE = RetryPolicy.restartOnFailure(2, 1);

    /** The same job as a service (with {@code ready}, or none). */
    static Job asService(Job j, ReadyWhen ready) {
        JobSpec s = j.spec();
        var spec = new JobSpec(s.name(), s.type(), s.command(), null, null, null, null, null, Map.of(), Map.of(), Map.of(),
                0, 0, 10, s.retry(), List.of(), true, ready, List.of(), null, null, null);
        return new Job(j.id(), j.seq(), spec, j.status(), j.attempt(), j.agentId(), j.createdAt(), j.updatedAt(),
                j.queuedAt(), j.startedAt(), j.finishedAt(), null, null, null, Map.of(), null, null);
    }

    static Job service(JobStatus status, RetryPolicy restart, ReadyWhen ready) {
        return asService(job(status, restart), ready);
    }

    @Test
    void stopStopsAQueuedServiceAtOnceAndAskesTheAgentToEndARunningOne() {
        walk(NO_RETRY, j -> JobTransitions.stop(asService(j, null), attempt(j), null, NOW),
                moves(QUEUED, STOPPED, ASSIGNED, STOPPING, RUNNING, STOPPING, STOPPING, null));
        var queued = JobTransitions.stop(service(QUEUED, NO_RETRY, null), null, "ops", NOW);
        assertThat(kinds(queued)).containsExactly("job.finished");
        assertThat(queued.job().error()).isEqualTo("Stopped by user");
        assertThat(queued.systemLines()).containsExactly("service stopped by user before it ran (ops)");
        Job running = service(RUNNING, NO_RETRY, null);
        var stopping = JobTransitions.stop(running, attempt(running), "ops", NOW);
        assertThat(stopping.attempt().status()).isEqualTo(STOPPING);
        assertThat(kinds(stopping)).containsExactly("job.stopping");
        assertThat(stopping.events().get(0).data()).containsEntry("by", "ops");
        assertThat(stopping.systemLines()).containsExactly("stop requested by user (ops)");
    }

    @Test
    void onlyAServiceIsStoppedAJobIsCancelled() {
        for (JobStatus from : List.of(QUEUED, ASSIGNED, RUNNING)) {
            Job job = job(from, NO_RETRY);
            assertThatThrownBy(() -> JobTransitions.stop(job, attempt(job), null, NOW))
                    .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("not a service")
                    .hasMessageContaining("/cancel");
        }
    }

    @Test
    void aStoppingServiceEndsStoppedHoweverItsProcessEnded() {
        for (FinishReason reason : FinishReason.values()) {
            Job stopping = service(STOPPING, RESTART_TWICE, null);
            var d = JobTransitions.attemptEnded(stopping, attempt(stopping), report(reason, 143), NOW, 0.5);
            assertThat(d.job().status()).as("stopping, then %s", reason).isEqualTo(STOPPED);
            assertThat(d.attempt().status()).isEqualTo(STOPPED);
            assertThat(kinds(d)).as("no restart after a stop").containsExactly("job.finished");
        }
        // the process started while the stop was on its way: it stays stopping
        Job stopped = service(STOPPING, NO_RETRY, null);
        var started = JobTransitions.started(stopped, Attempt.assigned(stopped.id(), 1, "agent-1", NOW).withStatus(STOPPING), 42, 7, NOW);
        assertThat(started.job().status()).isEqualTo(STOPPING);
        assertThat(started.attempt().status()).isEqualTo(STOPPING);
    }

    @Test
    void aServiceThatEndsByItselfFailsEvenWithExitZeroAndRestartsOnFailureUpToItsLimit() {
        Job running = service(RUNNING, NO_RETRY, null);
        var never = JobTransitions.attemptEnded(running, attempt(running), report(FinishReason.EXITED, 0), NOW, 0.5);
        assertThat(never.job().status()).isEqualTo(FAILED);
        assertThat(never.job().error()).isEqualTo("the service exited by itself (exit code 0)");

        // restart 1 of 2 after the retry backoff rule: 1 s floor, jitter 0.5 → 1.5 s
        Job first = service(RUNNING, RESTART_TWICE, null);
        var restarted = JobTransitions.attemptEnded(first, attempt(first), report(FinishReason.EXITED, 0), NOW, 0.5);
        assertThat(restarted.job().status()).isEqualTo(QUEUED);
        assertThat(restarted.job().notBefore()).isEqualTo(NOW.plusMillis(1500));
        assertThat(kinds(restarted)).containsExactly("job.finished", "job.retrying");
        assertThat(restarted.systemLines()).containsExactly("retry 1 of 2 in 1.5 s");

        // attempt 3 is past the limit of 2 restarts: it stays failed
        Job third = service(RUNNING, RESTART_TWICE, null);
        third = new Job(third.id(), 1, third.spec(), RUNNING, 3, "agent-1", NOW, NOW, NOW, NOW, null, null, null, null,
                Map.of(), null, null);
        Attempt a3 = Attempt.assigned(third.id(), 3, "agent-1", NOW).withStatus(RUNNING);
        var gaveUp = JobTransitions.attemptEnded(third, a3, report(FinishReason.EXITED, 1), NOW, 0.5);
        assertThat(gaveUp.job().status()).isEqualTo(FAILED);
        assertThat(kinds(gaveUp)).as("down for good: said once, as service.failed").containsExactly("job.finished", "service.failed");
        assertThat(gaveUp.events().get(1).data()).containsEntry("error", "the service exited by itself (exit code 1)");
        assertThat(kinds(never)).containsExactly("job.finished", "service.failed");
        // its agent gone for good, too; but a job's failure, or a service's stop, is not a service failing
        Job lostOne = service(RUNNING, NO_RETRY, null);
        assertThat(kinds(JobTransitions.agentGone(lostOne, attempt(lostOne), "gone", NOW, 0.5))).containsExactly("job.lost", "service.failed");
        Job plain = job(RUNNING, NO_RETRY);
        assertThat(kinds(JobTransitions.attemptEnded(plain, attempt(plain), report(FinishReason.EXITED, 1), NOW, 0.5))).containsExactly("job.finished");
        Job stopping = service(STOPPING, NO_RETRY, null);
        assertThat(kinds(JobTransitions.agentGone(stopping, attempt(stopping), "gone", NOW, 0.5))).containsExactly("job.finished");
    }

    @Test
    void aRunningServiceBecomesReadyOnceAndOnlyWhileRunning() {
        ReadyWhen port = ReadyWhen.tcpPort(8080);
        walk(NO_RETRY, j -> JobTransitions.ready(asService(j, port), attempt(j), "port 8080 accepts connections", NOW),
                moves(QUEUED, null, ASSIGNED, null, RUNNING, RUNNING, CANCELLING, null, STOPPING, null, SUCCEEDED, null,
                        FAILED, null, TIMED_OUT, null, CANCELLED, null, LOST, null, STOPPED, null));
        Job starting = service(RUNNING, NO_RETRY, port);
        assertThat(starting.starting()).isTrue();
        var ready = JobTransitions.ready(starting, attempt(starting), "port 8080 accepts connections", NOW.plusSeconds(2));
        assertThat(ready.job().starting()).isFalse();
        assertThat(ready.job().readyAt()).isEqualTo(NOW.plusSeconds(2));
        assertThat(kinds(ready)).containsExactly("service.ready");
        assertThat(ready.events().get(0).data()).containsEntry("after_ms", 2000L).containsEntry("how", "port 8080 accepts connections");
        assertThat(ready.systemLines()).containsExactly("ready: port 8080 accepts connections");
        assertThat(JobTransitions.ready(ready.job(), ready.attempt(), "again", NOW)).as("a second report").isNull();
        assertThat(JobTransitions.ready(job(RUNNING, NO_RETRY), null, "x", NOW)).as("not a service").isNull();
        // a new attempt (a restart) starts again from "not ready"
        Job requeued = ready.job().finished(FAILED, 1, "x", NOW).requeued(NOW, null);
        assertThat(requeued.readyAt()).isNull();
    }

    static List<String> kinds(JobTransitions.Decision d) {
        return d.events().stream().map(Event::kind).toList();
    }
}
