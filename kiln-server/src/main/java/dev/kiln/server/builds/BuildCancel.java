package dev.kiln.server.builds;

import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Cancels a build on the engine's thread: jobs another active build waits on keep running, the rest stop. */
final class BuildCancel {
    private static final Logger log = LoggerFactory.getLogger(BuildCancel.class);
    private final BuildState state;
    private final BuildProgress progress;

    BuildCancel(BuildState state, BuildProgress progress) {
        this.state = state;
        this.progress = progress;
    }

    // ---------------------------------------------------------------- cancel

    BuildRecord doCancel(String buildId, String by) {
        ActiveBuild b = state.builds.get(buildId);
        if (b == null || b.status().isEnded()) {
            BuildRecord stored = b != null ? b.record : state.store.build(buildId)
                    .orElseThrow(() -> new NotFoundException("no build with id '" + buildId + "'"));
            throw new IllegalTransitionException("build " + buildId + " is " + stored.status() + "; only a build that has not ended can be cancelled");
        }
        Instant now = Instant.now();
        var w = state.writes();
        Set<String> kept = keptJobs(b);
        var toCancel = new ArrayList<String>();
        for (BuildJob j : List.copyOf(b.jobs)) {
            if (BuildDecisions.entryEnded(j.status()) || kept.contains(j.key())) continue;
            if (BuildDecisions.WAITING.equals(j.status())) progress.skip(b, j, "the build was cancelled", w, now);
            else toCancel.add(j.jobId());
        }
        for (BuildPartition p : List.copyOf(b.requested.values())) {
            if (p.status().equals("delegated") || p.status().equals("requested")) {
                BuildPartition moved = b.moveRequested(p.ref(), PartitionStatus.FAILED, null, now);
                if (moved != null) w.requested.add(moved);
            }
        }
        state.waiters.values().forEach(s -> s.remove(b.id()));
        String reason = "cancelled" + (by != null ? " by " + by : "")
                + (kept.isEmpty() ? "" : "; " + kept.size() + " jobs keep running for other builds that wait on them");
        b.setRecord(BuildStatus.CANCELLED, b.record.startedAt(), now, reason, true);
        w.events.add(BuildEvents.status(b.id(), BuildStatus.CANCELLED, "by", by, "kept_jobs", kept.size()));
        w.build = b;
        if (b.openJobs() == 0) state.undrive(b, w);
        w.commit();
        w.afterCommit.forEach(Runnable::run);
        for (String jobId : toCancel) {
            try {
                state.jobs.cancel(jobId, by);
            } catch (IllegalTransitionException e) {
                log.debug("job {} of cancelled build {} ended already: {}", jobId, buildId, e.getMessage());
            }
        }
        return b.record;
    }

    /** Plan jobs of {@code b} another active build waits on, and every job of {@code b} those need. */
    Set<String> keptJobs(ActiveBuild b) {
        var kept = new LinkedHashSet<String>();
        for (BuildJob j : b.jobs.reversed()) {
            if (BuildDecisions.entryEnded(j.status())) continue;
            boolean wanted = kept.contains(j.key());
            for (String ref : j.partitions()) {
                Set<String> w = state.waiters.get(ref);
                if (w != null && w.stream().anyMatch(other -> !other.equals(b.id()) && state.builds.containsKey(other))) wanted = true;
            }
            if (wanted) {
                kept.add(j.key());
                kept.addAll(j.dependsOn());
            }
        }
        return kept;
    }
}
