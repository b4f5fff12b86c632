package dev.kiln.server.jobs;

import static dev.kiln.server.events.Event.data;

import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every event a job's life appends, with its payload: the one place their names and fields are decided. */
public final class JobEvents {
    private JobEvents() {}

    public static Event queued(Job job) {
        JobSpec spec = job.spec();
        return Event.draft(job.id(), "job.queued", data("name", spec.name(), "type", spec.type(),
                "priority", spec.priority(), "rerun_of", job.rerunOf(), "requirements", spec.requirements()));
    }

    public static Event assigned(Attempt attempt, String agentName) {
        return Event.draft(attempt.jobId(), "job.assigned", data("attempt", attempt.number(),
                "agent_id", attempt.agentId(), "agent_name", agentName));
    }

    public static Event started(Attempt attempt, long pid, long processStartedNs, String commit) {
        return Event.draft(attempt.jobId(), "job.started", data("attempt", attempt.number(),
                "agent_id", attempt.agentId(), "pid", pid, "process_started_ns", processStartedNs, "commit", commit));
    }

    /** The commit the job's newest attempt checked out, as its agent reported in {@code job.started}; null if none. */
    public static String checkedOutCommit(dev.kiln.server.store.Store store, String jobId) {
        var started = store.jobEventsTail(jobId, "job.started", 1).events();
        return started.isEmpty() ? null : (String) started.getFirst().data().get("commit");
    }

    public static Event cancelledWhileQueued(Job job, String by) {
        return Event.draft(job.id(), "job.cancelled", data("while", "queued", "by", by));
    }

    public static Event cancelling(Attempt attempt) {
        return Event.draft(attempt.jobId(), "job.cancelling", data("attempt", attempt.number()));
    }

    public static Event stopping(Attempt attempt, String by) {
        return Event.draft(attempt.jobId(), "job.stopping", data("attempt", attempt.number(), "by", by));
    }

    /** A service became ready, {@code after_ms} after its process started. */
    public static Event serviceReady(Job job, String how) {
        return Event.draft(job.id(), "service.ready", data("attempt", job.attempt(), "how", how,
                "after_ms", job.startedAt() == null ? null : java.time.Duration.between(job.startedAt(), job.readyAt()).toMillis()));
    }

    /** A service is down for good: it ended by itself and its restart policy does not start it again. */
    public static Event serviceFailed(Job job) {
        return Event.draft(job.id(), "service.failed", data("attempt", job.attempt(), "name", job.spec().name(),
                "status", job.status().wireName(), "error", job.error()));
    }

    /** The attempt ended as its agent reported (or, for a cancelling job whose agent vanished, as cancelled). */
    public static Event finished(Job ended, Attempt attempt, Integer signal, String error) {
        return Event.draft(ended.id(), "job.finished", data("attempt", attempt == null ? null : attempt.number(),
                "status", ended.status().wireName(), "exit_code", ended.exitCode(), "signal", signal,
                "error", error, "duration_ms", ended.startedAt() == null || ended.finishedAt() == null ? null
                        : java.time.Duration.between(ended.startedAt(), ended.finishedAt()).toMillis()));
    }

    public static Event lost(Job job, String why) {
        return Event.draft(job.id(), "job.lost", data("attempt", job.attempt(), "agent_id", job.agentId(),
                "error", why));
    }

    /** Another attempt follows after {@code delay} (its backoff; {@code notBefore} null when it is immediate). */
    public static Event retrying(Job job, JobStatus reason, java.time.Duration delay, java.time.Instant notBefore) {
        return Event.draft(job.id(), "job.retrying", data("attempt", job.attempt(), "next_attempt", job.attempt() + 1,
                "reason", reason == JobStatus.LOST ? "agent_lost" : reason.wireName(), "delay_ms", delay.toMillis(),
                "not_before", notBefore == null ? null : notBefore.toString()));
    }

    public static Event output(String jobId, int attempt, String key, String value) {
        return Event.draft(jobId, "job.output", data("attempt", attempt, "key", key, "value", value));
    }

    /** A job's own event (from {@code $KILN_EVENTS}), stamped with its attempt and the time the job gave. */
    public static Event custom(String jobId, int attempt, String kind, long timestampNs, Map<String, Object> fields) {
        var payload = new LinkedHashMap<String, Object>(fields);
        payload.put("attempt", attempt);
        return new Event(0, jobId, kind, timestampNs > 0 ? timestampNs : Clock.nowNs(), payload);
    }
}
