package dev.kiln.server.jobs;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.events.Clock;
import dev.kiln.server.logs.LogListener;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Applies a {@link JobTransitions.Decision}: the job in memory and in the queue, the store (state, attempt, SYSTEM
 * lines and events in one transaction), and, once committed, the log listeners. Called under the
 * {@link dev.kiln.server.core.EngineLock}, so decisions reach the single writer in the order they were taken.
 */
public final class JobLedger {
    private final ActiveJobs active;
    private final Store store;
    private final LogListener lines;
    private final KilnMetrics metrics;

    public JobLedger(ActiveJobs active, Store store, LogListener lines, KilnMetrics metrics) {
        this.metrics = metrics;
        this.active = active;
        this.store = store;
        this.lines = lines;
    }

    CompletableFuture<Job> apply(ActiveJob aj, JobTransitions.Decision d) {
        return apply(aj, d, false);
    }

    /**
     * Applies an assignment, or the cancel of a queued job, only if the stored job is still queued
     * ({@code StoreTx.claimQueuedJob}): with several servers on one database, the one whose claim commits dispatches
     * it. Fails with {@link ClaimLost}, storing nothing of the decision, when another server (or a cancel) got there
     * first.
     */
    CompletableFuture<Job> claim(ActiveJob aj, JobTransitions.Decision d) {
        return apply(aj, d, true);
    }

    /** Another server claimed the job first (or it was cancelled there): this server lets it go. */
    static final class ClaimLost extends IllegalStateException {
        ClaimLost(String jobId) {
            super("job " + jobId + " was no longer queued in the database: another server has it");
        }
    }

    private CompletableFuture<Job> apply(ActiveJob aj, JobTransitions.Decision d, boolean claim) {
        Job job = d.job();
        aj.job = job;
        Attempt attempt = d.attempt();
        List<LogLine> added = d.systemLines().stream()
                .map(t -> new LogLine(Clock.nowNs(), LogStream.SYSTEM, "[kiln] " + t)).toList();
        // a job that never ran has no attempt: its lines go to "attempt 0", the log of its time in the queue, whose
        // only writer is this (a cancel, after which nothing more is written), so its lines start at 1
        long firstLine = 1;
        int logAttempt = 0;
        if (attempt != null) {
            if (!added.isEmpty()) {
                firstLine = attempt.lineCount() + 1;
                attempt = attempt.withLog(attempt.logSeq(), attempt.lineCount() + added.size());
            }
            aj.attempt = attempt;
            logAttempt = attempt.number();
        }
        Runnable finished = () -> metrics.jobFinished(job.spec().type(), job.status(),
                job.startedAt() == null || job.finishedAt() == null ? null : Duration.between(job.startedAt(), job.finishedAt()));
        if (d.requeued()) active.enqueue(job);
        else if (job.status().isTerminal()) {
            active.forget(job.id());
            if (!claim) finished.run(); // a conditional cancel counts once it commits (it may lose to a claim)
        }
        Attempt storedAttempt = attempt;
        long first = firstLine;
        int number = logAttempt;
        return store.write(tx -> {
            if (!claim) tx.updateJob(job);
            else if (!tx.claimQueuedJob(job)) throw new ClaimLost(job.id());
            if (storedAttempt != null) {
                if (d.newAttempt()) tx.insertAttempt(storedAttempt);
                else tx.updateAttempt(storedAttempt);
            }
            if (!added.isEmpty()) tx.appendLogChunk(job.id(), number, first, added);
            d.events().forEach(tx::appendEvent);
            return job;
        }).thenApply(j -> {
            if (claim && j.status().isTerminal()) finished.run();
            if (!added.isEmpty()) lines.onLines(j.id(), number, first, added);
            return j;
        });
    }
}
