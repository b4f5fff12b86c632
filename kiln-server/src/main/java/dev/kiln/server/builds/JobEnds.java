package dev.kiln.server.builds;

import dev.kiln.server.builds.BuildState.JobLink;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.Event;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.PartitionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Job ends from the bus, applied to their builds on the engine's thread. */
final class JobEnds {
    private static final Logger log = LoggerFactory.getLogger(JobEnds.class);
    /**
     * Job events that may change a build's job entry. Not {@code job.queued}: it is written only when a job is first
     * stored, and the entry says {@code queued} from the moment it was submitted (a 10,000-job build read each job back
     * for nothing).
     */
    private static final Set<String> JOB_KINDS = Set.of("job.assigned", "job.started", "job.finished",
            "job.cancelled", "job.lost", "job.retrying", "job.cancelling");
    private final BuildState state;
    private final ConfigSteps config;
    private final BuildProgress progress;

    JobEnds(BuildState state, ConfigSteps config, BuildProgress progress) {
        this.state = state;
        this.config = config;
        this.progress = progress;
    }

    // ---------------------------------------------------------------- job ends (from the bus)

    void onEvent(Event e) {
        if (e.jobId() == null || !JOB_KINDS.contains(e.kind()) || !state.tracked.containsKey(e.jobId())) return;
        state.thread.execute(() -> {
            try {
                onJob(e.jobId());
            } catch (RuntimeException ex) {
                log.error("applying job {}'s {} to its build failed", e.jobId(), e.kind(), ex);
            }
        });
    }

    void onJob(String jobId) {
        JobLink link = state.tracked.get(jobId);
        if (link == null) return;
        ActiveBuild b = state.builds.get(link.buildId());
        if (b == null) return;
        Job job = state.store.job(jobId).orElse(null);
        if (job == null) return;
        BuildJob entry = b.jobs.get(link.position());
        String status = job.status().wireName();
        if (status.equals(entry.status())) return;
        Instant now = Instant.now();
        var w = state.writes();
        BuildJob updated = entry.with(status, job.error());
        b.setJob(updated);
        w.jobs.add(updated);
        // a job may have started and ended between two looks: its partitions were built all the same
        boolean startedNow = job.startedAt() != null && !List.of("running", "cancelling").contains(entry.status())
                && (job.status() == JobStatus.RUNNING || job.status().isTerminal());
        if (entry.configStep()) {
            if (startedNow) w.events.add(BuildEvents.jobStarted(b.id(), entry.key(), jobId));
            if (job.status().isTerminal()) {
                state.tracked.remove(jobId);
                w.events.add(BuildEvents.jobFinished(b.id(), entry.key(), jobId, status));
                config.configEnded(b, updated, job, w, now);
            }
            w.build = b;
            if (b.status().isEnded() && b.openJobs() == 0) state.undrive(b, w);
            w.commit();
            w.afterCommit.forEach(Runnable::run);
            return;
        }
        if (startedNow) {
            w.events.add(BuildEvents.jobStarted(b.id(), entry.key(), jobId));
            for (String ref : entry.partitions()) {
                w.partitions.add(new PartitionRecord(ref, "building", entry.definition(), b.id(), jobId, now, null));
                w.events.add(BuildEvents.partition(b.id(), ref, "building", jobId));
                BuildPartition moved = b.moveRequested(ref, PartitionStatus.BUILDING, jobId, now);
                if (moved != null) w.requested.add(moved);
            }
        }
        if (job.status().isTerminal()) {
            state.tracked.remove(jobId);
            w.events.add(BuildEvents.jobFinished(b.id(), entry.key(), jobId, status));
            PartitionStatus target = BuildDecisions.partitionOnJob(PartitionStatus.BUILDING, job.status());
            var refs = new ArrayList<>(entry.partitions());
            if (job.status() == JobStatus.SUCCEEDED) refs.addAll(reported(job, refs));
            else if (b.firstFailure == null && job.status() != JobStatus.CANCELLED) {
                b.firstFailure = entry.key() + " (" + entry.definition() + ") " + status
                        + (job.error() != null ? ": " + job.error() : job.exitCode() != null ? " with exit code " + job.exitCode() : "");
            }
            progress.settle(b, entry.definition(), refs, job, target, w, now);
        }
        w.build = b;
        progress.advance(b, w, now);
        w.commit();
        w.afterCommit.forEach(Runnable::run);
    }

    /** Partitions the job reported through {@code $KILN_OUTPUT} ({@code partitions=a b} or comma separated) beyond its own. */
    static List<String> reported(Job job, List<String> own) {
        String value = job.outputs().get("partitions");
        if (value == null || value.isBlank()) return List.of();
        var out = new ArrayList<String>();
        for (String ref : value.trim().split("[\\s,]+")) if (!ref.isEmpty() && !own.contains(ref) && !out.contains(ref)) out.add(ref);
        return out;
    }
}
