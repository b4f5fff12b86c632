package dev.kiln.server.http;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.Clock;
import dev.kiln.server.logs.NumberedLine;
import dev.kiln.server.scheduler.QueueInfo;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Seed 001's JSON shapes of a build job, exactly as its clients read them (field names, order, statuses), made from
 * Kiln's job. The one place where Kiln's statuses become the seed's.
 */
final class InfrastructureViews {
    /** The seed's statuses. */
    static final List<String> STATUSES = List.of("queued", "building", "completed", "failed", "cancelled");

    /**
     * The seed's rule of thumb for a queued build's wait, 5 minutes a build ahead of it and including it; used only
     * while Kiln has no estimate (nothing of the job's type has run yet, or no agent could take it).
     */
    static final long ASSUMED_BUILD_SECONDS = 300;

    private InfrastructureViews() {}

    /**
     * Kiln's status as the seed's. On an agent (assigned, running, cancelling, a service stopping) is "building";
     * succeeded, and a service stopped on request, "completed"; failed, timed out and lost "failed".
     */
    static String status(JobStatus s) {
        return switch (s) {
            case QUEUED -> "queued";
            case ASSIGNED, RUNNING, CANCELLING, STOPPING -> "building";
            case SUCCEEDED, STOPPED -> "completed";
            case FAILED, TIMED_OUT, LOST -> "failed";
            case CANCELLED -> "cancelled";
        };
    }

    /** Kiln's statuses that show as the seed's {@code status}: the inverse of {@link #status(JobStatus)}. */
    static Set<JobStatus> kilnStatuses(String seedStatus) {
        var all = EnumSet.noneOf(JobStatus.class);
        for (JobStatus s : JobStatus.values()) if (status(s).equals(seedStatus)) all.add(s);
        return all;
    }

    static Map<String, Object> job(Job j) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", j.id());
        m.put("source_repository", j.spec().sourceRepository());
        m.put("branch", j.spec().branch());
        m.put("commit_hash", j.spec().commitHash());
        m.put("target_architecture", j.spec().targetArchitecture());
        m.put("server_id", j.agentId());
        m.put("status", status(j.status()));
        m.put("started_at", j.startedAt());
        m.put("completed_at", j.finishedAt());
        m.put("duration_seconds", Views.seconds(j.startedAt(), j.finishedAt()));
        m.put("error_message", error(j));
        m.put("created_at", j.createdAt());
        return m;
    }

    /** {@code queue}: where the job stands if it is queued, else null. */
    static Map<String, Object> status(Job j, QueueInfo queue) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", j.id());
        m.put("status", status(j.status()));
        m.put("server_id", j.agentId());
        m.put("started_at", j.startedAt());
        m.put("completed_at", j.finishedAt());
        m.put("duration_seconds", Views.seconds(j.startedAt(), j.finishedAt()));
        m.put("error_message", error(j));
        m.put("queue_info", queue == null ? null : queueInfo(queue));
        return m;
    }

    private static Map<String, Object> queueInfo(QueueInfo queue) {
        var m = new LinkedHashMap<String, Object>();
        m.put("total_queued", queue.totalQueued());
        m.put("estimated_wait_seconds", waitSeconds(queue));
        return m;
    }

    /** Kiln's estimate when it has one, else the seed's rule of thumb for the job's place in the queue. */
    static long waitSeconds(QueueInfo queue) {
        Long kiln = queue.estimatedWaitSeconds();
        return kiln != null ? kiln : ASSUMED_BUILD_SECONDS * queue.position();
    }

    /**
     * Only a failed build has an error message, as in the seed: a cancelled one says so by its status (and its log),
     * a queued one waiting for another attempt is not failed.
     */
    private static String error(Job j) {
        return status(j.status()).equals("failed") ? j.error() : null;
    }

    /** A log line as the seed shows it: {@code [RFC 3339 timestamp] text}. */
    static String line(NumberedLine l) {
        return "[" + Clock.toInstant(l.line().timestampNs()) + "] " + l.line().text();
    }

    static Map<String, Object> logs(Job j, List<NumberedLine> lines) {
        var m = new LinkedHashMap<String, Object>();
        m.put("job_id", j.id());
        m.put("logs", lines.stream().map(InfrastructureViews::line).toList());
        // streaming while something runs: a queued build has no output coming yet
        m.put("streaming", status(j.status()).equals("building"));
        return m;
    }
}
