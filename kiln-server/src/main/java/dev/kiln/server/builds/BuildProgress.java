package dev.kiln.server.builds;

import dev.kiln.server.builds.BuildDecisions.Input;
import dev.kiln.server.builds.BuildDecisions.InputState;
import dev.kiln.server.builds.BuildDecisions.Readiness;
import dev.kiln.server.builds.BuildState.JobLink;
import dev.kiln.server.builds.BuildState.Writes;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.PartitionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves builds on, on the engine's thread: turns a plan into partitions and jobs, starts plan jobs whose inputs are
 * ready, skips those that can never run, settles partitions, ends builds, and lets builds that delegated to a settled
 * partition follow.
 */
final class BuildProgress {
    private static final Logger log = LoggerFactory.getLogger(BuildProgress.class);
    private final BuildState state;

    BuildProgress(BuildState state) {
        this.state = state;
    }

    /** Turns a plan into the build's partitions and jobs (after any config steps) and starts executing it. */
    void execute(ActiveBuild b, Plan plan, Writes w, Instant now) {
        String id = b.id();
        state.inFlight.values().removeIf(id::equals); // a config step's claims; the plan claims anew below
        w.events.add(BuildEvents.planned(id, plan.graphVersion(), plan.jobs().size(), plan.skipped().size(), plan.delegated().size()));
        var skippedBy = state.store.partitions(plan.skipped().stream().map(Plan.Skipped::ref).toList());
        for (Plan.Requested r : plan.requested()) {
            BuildPartition p = switch (r.outcome()) {
                case BUILD -> new BuildPartition(id, r.ref(), "scheduled", r.definition(), r.job(), null, null, null, now);
                case SKIP -> {
                    PartitionRecord made = skippedBy.get(r.ref());
                    String maker = made == null ? null : made.buildId();
                    w.events.add(BuildEvents.delegated(id, r.ref(), maker, null, "historical"));
                    yield new BuildPartition(id, r.ref(), "available", r.definition(), null, made == null ? null : made.jobId(),
                            maker, "historical", now);
                }
                case DELEGATE -> {
                    state.waiters.computeIfAbsent(r.ref(), k -> new HashSet<>()).add(id);
                    w.events.add(BuildEvents.delegated(id, r.ref(), r.buildId(), null, "active"));
                    w.events.add(BuildEvents.delegated(r.buildId(), r.ref(), null, id, "active"));
                    yield new BuildPartition(id, r.ref(), "delegated", r.definition(), null, null, r.buildId(), "active", now);
                }
            };
            b.addRequested(p);
            w.requested.add(p);
        }
        var delegatedBy = new HashMap<String, List<String>>();
        for (Plan.Delegated d : plan.delegated()) delegatedBy.computeIfAbsent(d.buildId(), k -> new ArrayList<>()).add(d.ref());
        int offset = b.jobs.size(); // after the config steps' entries
        var keys = new HashMap<String, String>();
        for (Plan.PlannedJob j : plan.jobs()) keys.put(j.key(), b.byKey.containsKey(j.key()) ? j.key() + "'" : j.key());
        for (int i = 0; i < plan.jobs().size(); i++) {
            Plan.PlannedJob j = plan.jobs().get(i);
            var waitsFor = new ArrayList<String>();
            for (String other : j.waitsForBuilds()) waitsFor.addAll(delegatedBy.getOrDefault(other, List.of()));
            for (String ref : waitsFor) state.waiters.computeIfAbsent(ref, k -> new HashSet<>()).add(id);
            var entry = new BuildJob(id, offset + i, keys.get(j.key()), j.definition(), null, BuildDecisions.WAITING,
                    j.partitions(), j.dependsOn().stream().map(keys::get).toList(), waitsFor, false, j.spec(), null, null);
            b.addJob(entry);
            w.jobs.add(entry);
            for (String ref : j.partitions()) {
                state.inFlight.put(ref, id);
                w.partitions.add(new PartitionRecord(ref, "scheduled", j.definition(), id, null, now, null));
                w.events.add(BuildEvents.partition(id, ref, "scheduled", null));
            }
        }
        b.setRecord(BuildStatus.EXECUTING, now, null, null, true);
        w.events.add(BuildEvents.status(id, BuildStatus.EXECUTING));
        advance(b, w, now);
    }

    // ---------------------------------------------------------------- moving builds on

    /**
     * Decides every waiting plan job of {@code b} (in dependency order, so a skip reaches all that depend on it in
     * one pass), then whether the build ended. Submissions happen after the commit that names the job ids.
     */
    void advance(ActiveBuild b, Writes w, Instant now) {
        Map<String, PartitionRecord> waited = waitedStates(b);
        for (BuildJob j : List.copyOf(b.jobs)) {
            // a cancelled build still starts the jobs it kept for builds that wait on them
            boolean going = b.status() == BuildStatus.EXECUTING || b.status() == BuildStatus.CANCELLED;
            if (!BuildDecisions.WAITING.equals(j.status()) || !going) continue;
            var inputs = new ArrayList<Input>();
            for (String key : j.dependsOn()) {
                BuildJob dep = b.job(key);
                InputState s = dep.status().equals("succeeded") ? InputState.READY
                        : BuildDecisions.entryEnded(dep.status()) ? InputState.FAILED : InputState.PENDING;
                inputs.add(new Input(dep.partitions().get(0) + " (" + key + ")", s));
            }
            for (String ref : j.waitsFor()) inputs.add(new Input(ref + " (built by another build)", waitedState(ref, waited)));
            switch (BuildDecisions.readiness(inputs)) {
                case Readiness.Submit s -> submitJob(b, j, w, now);
                case Readiness.Skip s -> skip(b, j, s.reason(), w, now);
                case Readiness.Wait s -> { }
            }
        }
        finishIfEnded(b, w, now);
    }

    Map<String, PartitionRecord> waitedStates(ActiveBuild b) {
        var refs = new LinkedHashSet<String>();
        for (BuildJob j : b.jobs) if (BuildDecisions.WAITING.equals(j.status())) refs.addAll(j.waitsFor());
        refs.removeIf(state.inFlight::containsKey);
        return refs.isEmpty() ? Map.of() : state.store.partitions(refs);
    }

    InputState waitedState(String ref, Map<String, PartitionRecord> stored) {
        if (state.inFlight.containsKey(ref)) return InputState.PENDING;
        PartitionRecord p = stored.get(ref);
        return p != null && p.status().equals("available") ? InputState.READY : InputState.FAILED;
    }

    void submitJob(ActiveBuild b, BuildJob j, Writes w, Instant now) {
        String jobId = JobIds.next();
        BuildJob submitted = j.submitted(jobId, now);
        b.setJob(submitted);
        state.tracked.put(jobId, new JobLink(b.id(), j.position()));
        w.jobs.add(submitted);
        w.events.add(BuildEvents.jobScheduled(b.id(), j.key(), jobId, j.partitions()));
        for (String ref : j.partitions()) {
            w.partitions.add(new PartitionRecord(ref, "scheduled", j.definition(), b.id(), jobId, now, null));
            BuildPartition moved = b.moveRequested(ref, PartitionStatus.SCHEDULED, jobId, now);
            if (moved == null && b.requested.containsKey(ref)) w.requested.add(withJob(b.requested.get(ref), jobId));
            else if (moved != null) w.requested.add(moved);
        }
        // recorded first, submitted after the commit: a restart finds the id and submits it again if it is absent.
        // All of this write's jobs go in one submission (a plan's first level is thousands of jobs).
        if (w.submissions.isEmpty()) {
            var all = w.submissions;
            w.afterCommit.add(() -> state.jobs.submitAll(List.copyOf(all)).exceptionally(e -> {
                log.error("build {}: {} jobs could not be submitted", b.id(), all.size(), e);
                return null;
            }));
        }
        w.submissions.add(new JobEngine.Submission(jobId, j.spec(), null));
    }

    static BuildPartition withJob(BuildPartition p, String jobId) {
        return new BuildPartition(p.buildId(), p.ref(), p.status(), p.definition(), p.jobKey(), jobId, p.delegatedTo(),
                p.delegationKind(), p.updatedAt());
    }

    /** A plan job that will never run: its partitions are not built here (they fall back to what they were). */
    void skip(ActiveBuild b, BuildJob j, String reason, Writes w, Instant now) {
        b.setJob(j.with(BuildDecisions.SKIPPED, reason));
        w.jobs.add(b.jobs.get(j.position()));
        w.events.add(BuildEvents.jobSkipped(b.id(), j.key(), reason));
        if (b.firstFailure == null) b.firstFailure = j.key() + " skipped: " + reason;
        settle(b, j.definition(), j.partitions(), null, PartitionStatus.FAILED, w, now);
    }

    /**
     * Partitions of {@code b}'s plan job settled ({@code status} available or failed; {@code job} null when the job
     * never ran, so the partitions fall back to their stored state). Waiting builds follow.
     */
    void settle(ActiveBuild b, String definition, List<String> refs, Job job, PartitionStatus status, Writes w, Instant now) {
        boolean built = job != null && job.status() != JobStatus.CANCELLED;
        Map<String, PartitionRecord> before = built ? Map.of() : state.store.partitions(refs);
        for (String ref : refs) {
            state.inFlight.remove(ref, b.id());
            if (built) {
                w.partitions.add(new PartitionRecord(ref, status.wireName(), definition, b.id(), job.id(), now,
                        status == PartitionStatus.AVAILABLE ? now : null));
                w.events.add(BuildEvents.partition(b.id(), ref, status.wireName(), job.id()));
            } else {
                w.partitionsByRef.remove(ref); // scheduled in this very write, perhaps
                PartitionRecord old = before.get(ref);
                if (old != null && old.availableAt() != null) {
                    w.partitions.add(new PartitionRecord(ref, "available", old.definition(), old.buildId(), old.jobId(), now, null));
                } else if (old != null) {
                    w.deleted.add(ref);
                }
            }
            BuildPartition moved = b.moveRequested(ref, status, job == null ? null : job.id(), now);
            if (moved != null) w.requested.add(moved);
            notifyWaiters(ref, w, now);
        }
    }

    /** Builds waiting for {@code ref} (active delegation) go on once this write commits. */
    void notifyWaiters(String ref, Writes w, Instant now) {
        Set<String> waiting = state.waiters.remove(ref);
        if (waiting == null) return;
        w.settledRefs.add(ref);
        w.waiting.addAll(waiting);
    }

    void finishIfEnded(ActiveBuild b, Writes w, Instant now) {
        if (b.status().isEnded()) {
            if (b.openJobs() == 0) state.undrive(b, w);
            return;
        }
        var ending = BuildDecisions.ending(b.status(), b.openJobs(), b.count(PartitionStatus.DELEGATED),
                b.count(PartitionStatus.FAILED), b.firstFailure);
        if (ending == null) return;
        b.setRecord(ending.status(), b.record.startedAt(), now, ending.reason(), false);
        w.events.add(ending.status() == BuildStatus.FAILED ? BuildEvents.status(b.id(), ending.status(), "reason", ending.reason())
                : BuildEvents.status(b.id(), ending.status()));
        state.undrive(b, w);
    }

    /** {@code buildId} delegated some of {@code refs} to a build that settled them: follow, then go on. */
    void followDelegates(String buildId, Set<String> refs, Instant now) {
        ActiveBuild b = state.builds.get(buildId);
        if (b == null) return;
        var w = state.writes();
        w.build = b;
        Map<String, PartitionRecord> stored = state.store.partitions(refs);
        for (String ref : refs) {
            BuildPartition p = b.requested.get(ref);
            if (p == null || !p.status().equals("delegated")) continue;
            PartitionRecord made = stored.get(ref);
            boolean available = made != null && made.status().equals("available");
            BuildPartition moved = b.moveRequested(ref, available ? PartitionStatus.AVAILABLE : PartitionStatus.FAILED,
                    made == null ? null : made.jobId(), now);
            if (moved != null) {
                w.requested.add(moved);
                w.events.add(BuildEvents.partition(b.id(), ref, moved.status(), moved.jobId()));
                if (!available && b.firstFailure == null) {
                    b.firstFailure = "partition " + ref + " failed in build " + p.delegatedTo() + " (delegated to it)";
                }
            }
        }
        advance(b, w, now);
        w.commit();
        w.afterCommit.forEach(Runnable::run);
    }
}
