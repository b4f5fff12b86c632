package dev.kiln.server.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A job as stored: its spec, where it stands, and the figures of its current attempt. {@code seq} orders jobs by
 * submission (0 until stored). {@code notBefore}: a queued retry is not dispatched before this time (its backoff);
 * null otherwise. Immutable: every change is a new record via the {@code with…} methods.
 */
public record Job(
        String id,
        long seq,
        JobSpec spec,
        JobStatus status,
        int attempt,
        String agentId,
        Instant createdAt,
        Instant updatedAt,
        Instant queuedAt,
        Instant startedAt,
        Instant finishedAt,
        Integer exitCode,
        String error,
        String rerunOf,
        Map<String, String> outputs,
        Instant notBefore,
        Instant readyAt) {

    public Job {
        outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    }

    /** A job as stored before services reported readiness ({@code readyAt} null). */
    public Job(String id, long seq, JobSpec spec, JobStatus status, int attempt, String agentId, Instant createdAt,
               Instant updatedAt, Instant queuedAt, Instant startedAt, Instant finishedAt, Integer exitCode,
               String error, String rerunOf, Map<String, String> outputs, Instant notBefore) {
        this(id, seq, spec, status, attempt, agentId, createdAt, updatedAt, queuedAt, startedAt, finishedAt, exitCode,
                error, rerunOf, outputs, notBefore, null);
    }

    public static Job newlySubmitted(String id, JobSpec spec, String rerunOf, Instant now) {
        return new Job(id, 0, spec, JobStatus.QUEUED, 0, null, now, now, now, null, null, null, null, rerunOf,
                Map.of(), null);
    }

    public Job withStatus(JobStatus next, Instant now) {
        status.checkTransition(id, next);
        return new Job(id, seq, spec, next, attempt, agentId, createdAt, now, queuedAt, startedAt, finishedAt,
                exitCode, error, rerunOf, outputs, notBefore, readyAt);
    }

    public Job assigned(String agent, Instant now) {
        status.checkTransition(id, JobStatus.ASSIGNED);
        return new Job(id, seq, spec, JobStatus.ASSIGNED, attempt + 1, agent, createdAt, now, queuedAt, null, null,
                null, null, rerunOf, outputs, null, null);
    }

    /** The process started; a job cancelled or a service stopped meanwhile stays cancelling or stopping. */
    public Job started(Instant now) {
        boolean leaving = status == JobStatus.CANCELLING || status == JobStatus.STOPPING;
        var next = leaving ? status : JobStatus.RUNNING;
        if (next == JobStatus.RUNNING) status.checkTransition(id, next);
        return new Job(id, seq, spec, next, attempt, agentId, createdAt, now, queuedAt, now, null, null, null,
                rerunOf, outputs, notBefore, null);
    }

    /** A running service became ready (its {@link ReadyWhen} held): no longer starting. */
    public Job ready(Instant now) {
        if (status != JobStatus.RUNNING || !spec.service()) {
            throw new IllegalTransitionException("job " + id + " is " + status.wireName() + "; only a running service becomes ready");
        }
        return new Job(id, seq, spec, status, attempt, agentId, createdAt, now, queuedAt, startedAt, finishedAt,
                exitCode, error, rerunOf, outputs, notBefore, now);
    }

    /** A service that runs but has not yet said it is ready (it has a {@code ready_when} and it has not held). */
    public boolean starting() {
        return spec.service() && status == JobStatus.RUNNING && spec.readyWhen() != null && readyAt == null;
    }

    public Job finished(JobStatus terminal, Integer code, String why, Instant now) {
        status.checkTransition(id, terminal);
        return new Job(id, seq, spec, terminal, attempt, agentId, createdAt, now, queuedAt, startedAt, now, code, why,
                rerunOf, outputs, null, readyAt);
    }

    /** Back to the queue for another attempt (the retry policy said so), not dispatched before {@code notBefore} (null: at once). */
    public Job requeued(Instant now, Instant notBefore) {
        status.checkTransition(id, JobStatus.QUEUED);
        return new Job(id, seq, spec, JobStatus.QUEUED, attempt, null, createdAt, now, now, startedAt, finishedAt,
                exitCode, error, rerunOf, outputs, notBefore, null);
    }

    public Job withOutput(String key, String value, Instant now) {
        var merged = new java.util.TreeMap<>(outputs);
        merged.put(key, value);
        return new Job(id, seq, spec, status, attempt, agentId, createdAt, now, queuedAt, startedAt, finishedAt,
                exitCode, error, rerunOf, merged, notBefore, readyAt);
    }

    public Job withSeq(long newSeq) {
        return new Job(id, newSeq, spec, status, attempt, agentId, createdAt, updatedAt, queuedAt, startedAt,
                finishedAt, exitCode, error, rerunOf, outputs, notBefore, readyAt);
    }

    public Duration duration() {
        if (startedAt == null) return null;
        return Duration.between(startedAt, finishedAt != null ? finishedAt : Instant.now());
    }

    public String shortId() {
        return id.substring(0, 8);
    }
}
