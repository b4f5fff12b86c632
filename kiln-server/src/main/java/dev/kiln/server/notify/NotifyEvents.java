package dev.kiln.server.notify;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.Event;
import java.util.List;

/**
 * Which notification events (the names of {@link dev.kiln.server.core.NotifyTarget#EVENTS}) a stored event is: the
 * one place that maps the event log onto what people subscribe to. A job notifies when it <em>ends</em>, so its status
 * after the event decides: an attempt that failed and is retried ({@code job.finished} with the job queued again) is
 * no notification.
 */
final class NotifyEvents {
    /** The kinds of stored events that may be notification events. */
    static final java.util.Set<String> KINDS = java.util.Set.of("job.finished", "job.cancelled", "job.lost",
            "build.completed", "build.failed", "service.failed");

    private NotifyEvents() {}

    /** The notification events {@code event} is, given the job as written with it (null when none was). */
    static List<String> of(Event event, Job job) {
        return switch (event.kind()) {
            // job.cancelled is appended only for a job cancelled while queued; every other end is a job.finished
            // (a cancel of a running job) or job.lost (the agent gone, no retry)
            case "job.finished", "job.cancelled", "job.lost" -> job == null ? List.of() : ofJob(job);
            case "build.completed", "build.failed", "service.failed" -> List.of(event.kind());
            default -> List.of();
        };
    }

    private static List<String> ofJob(Job job) {
        JobStatus s = job.status();
        if (!s.isTerminal()) return List.of();
        String name = switch (s) {
            case SUCCEEDED -> "job.succeeded";
            case FAILED, LOST -> "job.failed";
            case TIMED_OUT -> "job.timed_out";
            case CANCELLED -> "job.cancelled";
            default -> null; // a stopped service ended as asked
        };
        if (name == null) return List.of();
        boolean serviceFailed = job.spec().service() && (s == JobStatus.FAILED || s == JobStatus.LOST || s == JobStatus.TIMED_OUT);
        return serviceFailed ? List.of(name, "service.failed") : List.of(name);
    }
}
