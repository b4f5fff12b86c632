package dev.kiln.server.builds;

import dev.kiln.server.builds.BuildState.JobLink;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks up, on the engine's thread, the builds the last server left driven. */
final class BuildRecovery {
    private static final Logger log = LoggerFactory.getLogger(BuildRecovery.class);
    static final int PAGE = 1000;
    private final BuildState state;
    private final JobEnds jobEnds;
    private final BuildProgress progress;

    BuildRecovery(BuildState state, JobEnds jobEnds, BuildProgress progress) {
        this.state = state;
        this.jobEnds = jobEnds;
        this.progress = progress;
    }

    // ---------------------------------------------------------------- recovery

    void doRecover() {
        Instant now = Instant.now();
        var loaded = new ArrayList<ActiveBuild>();
        for (BuildRecord r : state.store.drivenBuilds()) {
            var b = new ActiveBuild(r);
            BuildStatus s = b.status();
            String after = null;
            while (true) {
                List<BuildPartition> page = state.store.buildPartitions(r.id(), null, after, PAGE);
                page.forEach(b::addRequested);
                if (page.size() < PAGE) break;
                after = page.get(page.size() - 1).ref();
            }
            state.store.buildJobs(r.id()).forEach(j -> b.addJob(withSecrets(j)));
            state.builds.put(r.id(), b);
            if (s == BuildStatus.RECEIVED || s == BuildStatus.PLANNING) {
                var w = state.writes();
                for (BuildPartition p : List.copyOf(b.requested.values())) {
                    BuildPartition moved = b.moveRequested(p.ref(), PartitionStatus.FAILED, null, now);
                    if (moved != null) w.requested.add(moved);
                }
                b.setRecord(BuildStatus.FAILED, r.startedAt(), now, "the server stopped while the build was planned; request the partitions again", false);
                w.events.add(BuildEvents.status(r.id(), BuildStatus.FAILED, "reason", b.record.reason()));
                w.build = b;
                state.undrive(b, w);
                w.commit();
                continue;
            }
            for (BuildPartition p : b.requested.values()) {
                if (p.status().equals("delegated")) state.waiters.computeIfAbsent(p.ref(), k -> new HashSet<>()).add(r.id());
            }
            for (BuildJob j : b.jobs) {
                if (BuildDecisions.entryEnded(j.status())) continue;
                j.partitions().forEach(ref -> state.inFlight.put(ref, r.id()));
                if (BuildDecisions.WAITING.equals(j.status())) {
                    j.waitsFor().forEach(ref -> state.waiters.computeIfAbsent(ref, k -> new HashSet<>()).add(r.id()));
                }
                if (j.jobId() != null) state.tracked.put(j.jobId(), new JobLink(r.id(), j.position()));
            }
            loaded.add(b);
        }
        for (ActiveBuild b : loaded) {
            for (BuildJob j : List.copyOf(b.jobs)) {
                if (j.jobId() == null || BuildDecisions.entryEnded(j.status())) continue;
                if (state.store.job(j.jobId()).isEmpty()) {
                    // recorded, but the server stopped before the job was stored: submit it now, under the same id
                    state.jobs.submit(j.jobId(), j.spec(), null);
                } else {
                    jobEnds.onJob(j.jobId()); // what happened to it while the server was down
                }
            }
        }
        for (ActiveBuild b : loaded) {
            if (!state.builds.containsKey(b.id())) continue;
            var w = state.writes();
            w.build = b;
            progress.advance(b, w, now);
            w.commit();
            w.afterCommit.forEach(Runnable::run);
        }
        log.info("recovered {} build requests", loaded.size());
    }

    /** A stored plan job's spec has its secrets masked: one that may still be submitted gets them back, sealed apart. */
    private BuildJob withSecrets(BuildJob j) {
        if (j.spec() == null || j.spec().secrets().isEmpty()) return j;
        return j.withSpec(j.spec().withSecrets(state.store.buildJobSecrets(j.buildId(), j.position())));
    }
}
