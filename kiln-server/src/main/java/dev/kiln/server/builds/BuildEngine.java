package dev.kiln.server.builds;

import dev.kiln.server.builds.BuildDecisions.Input;
import dev.kiln.server.builds.BuildDecisions.InputState;
import dev.kiln.server.builds.BuildDecisions.Readiness;
import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.graph.Graph;
import dev.kiln.server.graph.GraphFile;
import dev.kiln.server.graph.JobDefinition;
import dev.kiln.server.graph.PartitionLookup;
import dev.kiln.server.graph.PartitionState;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.graph.Planner;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.PartitionRecord;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreTx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs build requests. Everything happens on one thread ({@code kiln-builds}), so planning is serialized: a
 * partition another build has in flight is seen as such by the next plan (active delegation), and no partition is
 * built twice. Each change is written and committed before the next one is decided, so the store's partition states
 * are always current for the planner.
 *
 * <p>Plan jobs become ordinary Kiln jobs (through the {@link JobEngine}) once every job they depend on succeeded
 * and every partition they wait for from another build is available. Job ends arrive as committed events on the
 * bus (no polling). A failure fails what depends on it; a delegated partition follows the build that makes it.
 */
public final class BuildEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BuildEngine.class);
    static final int PAGE = 1000;
    /** A config step's stdout is read up to this many characters (its JSON for thousands of outputs fits). */
    static final int MAX_CONFIG_OUTPUT = 16 * 1024 * 1024;
    /**
     * Job events that may change a build's job entry. Not {@code job.queued}: it is written only when a job is first
     * stored, and the entry says {@code queued} from the moment it was submitted (a 10,000-job build read each job back
     * for nothing).
     */
    private static final Set<String> JOB_KINDS = Set.of("job.assigned", "job.started", "job.finished",
            "job.cancelled", "job.lost", "job.retrying", "job.cancelling");

    private final Store store;
    private final JobEngine jobs;
    private final Supplier<Graph> graph;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads.named("kiln-builds"));
    private final AutoCloseable subscription;

    // engine thread only
    private final Map<String, ActiveBuild> builds = new LinkedHashMap<>();
    /** Refs another build waits for → the builds waiting (active delegation). */
    private final Map<String, Set<String>> waiters = new HashMap<>();
    // read by other threads too
    /** Partitions planned and not yet settled → the build that makes them: what a new plan delegates to. */
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();
    /** The executing builds as last committed (what the activity feed shows). */
    private final Map<String, BuildRecord> executingView = new ConcurrentHashMap<>();
    /** Kiln job id → its build and plan position. */
    private final Map<String, JobLink> tracked = new ConcurrentHashMap<>();

    private record JobLink(String buildId, int position) {}

    /** {@code graph}: the graph in force, or null when none is loaded. */
    public BuildEngine(Store store, JobEngine jobs, EventBus bus, Supplier<Graph> graph) {
        this.store = store;
        this.jobs = jobs;
        this.graph = graph;
        this.subscription = bus.subscribe(this::onEvent);
    }

    // ---------------------------------------------------------------- the API's entry points

    /** Plans and starts a build request; throws {@code PlanException} (400), or a 409 when no graph is loaded. */
    public BuildRecord submit(List<String> refs, boolean force, String by) {
        Graph g = graph.get();
        if (g == null) throw new IllegalTransitionException("no build graph is loaded: load a kiln.yaml first");
        return onThread(() -> plan(g, refs, force, by));
    }

    /** Cancels a build: its jobs no other active build waits on are cancelled or never start. */
    public BuildRecord cancel(String buildId, String by) {
        return onThread(() -> doCancel(buildId, by));
    }

    /** What the planner sees of partitions: in flight in an active build, available, or missing. */
    public PartitionLookup lookup() {
        return this::states;
    }

    /**
     * The builds executing now, oldest first, as last committed, for the activity feed: {@code {kind: "build", id,
     * status, label}}. Never waits for the engine's thread.
     */
    public List<Map<String, Object>> executing() {
        return executingView.values().stream().sorted(java.util.Comparator.comparing(BuildRecord::seq)).map(b -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kind", "build");
            m.put("id", b.id());
            m.put("status", b.status());
            m.put("label", "Building " + b.counts().getOrDefault("available", 0) + "/" + b.requestedCount() + " partitions…");
            return m;
        }).toList();
    }

    /** Picks up every build the last server left driven: executing builds carry on, planning ones end with a reason. */
    public void recover() {
        onThread(() -> {
            doRecover();
            return null;
        });
    }

    // ---------------------------------------------------------------- planning

    private Map<String, PartitionState> states(Collection<String> refs) {
        var out = new HashMap<String, PartitionState>();
        var stored = new ArrayList<String>();
        for (String ref : refs) {
            String maker = inFlight.get(ref);
            if (maker != null) out.put(ref, new PartitionState.InFlight(maker));
            else stored.add(ref);
        }
        store.partitions(stored).forEach((ref, p) -> {
            if (p.status().equals("available")) out.put(ref, PartitionState.AVAILABLE);
        });
        return out;
    }

    private BuildRecord plan(Graph g, List<String> refs, boolean force, String by) {
        Plan plan = Planner.plan(g, refs, force, lookup());
        Instant now = Instant.now();
        String id = JobIds.next();
        List<String> requested = plan.requested().stream().map(Plan.Requested::ref).toList();
        var b = new ActiveBuild(new BuildRecord(id, 0, BuildStatus.RECEIVED.wireName(), force, plan.graphVersion(),
                requested, requested.size(), Map.of(), 0, 0, now, null, null, null, by, true));
        b.graph = g;
        var w = new Writes();
        w.insert = true;
        w.build = b;
        w.events.add(BuildEvents.status(id, BuildStatus.RECEIVED, "partitions", requested.size(), "force", force));
        w.events.add(BuildEvents.status(id, BuildStatus.PLANNING));
        builds.put(id, b);
        b.setRecord(BuildStatus.PLANNING, now, null, null, true);
        List<Plan.PlannedJob> needing = plan.jobs().stream().filter(Plan.PlannedJob::needsConfigStep).toList();
        if (needing.isEmpty()) {
            execute(b, plan, w, now);
        } else {
            for (Plan.Requested r : plan.requested()) {
                var p = new BuildPartition(id, r.ref(), "requested", r.definition(), null, null, null, null, now);
                b.addRequested(p);
                w.requested.add(p);
            }
            // claimed while the config steps run, so a concurrent request waits for this build instead of building them
            for (Plan.PlannedJob j : plan.jobs()) j.partitions().forEach(ref -> inFlight.put(ref, id));
            startConfigSteps(b, g, needing, w, now);
        }
        w.commit();
        w.afterCommit.forEach(Runnable::run);
        return b.record;
    }

    /** Turns a plan into the build's partitions and jobs (after any config steps) and starts executing it. */
    private void execute(ActiveBuild b, Plan plan, Writes w, Instant now) {
        String id = b.id();
        inFlight.values().removeIf(id::equals); // a config step's claims; the plan claims anew below
        w.events.add(BuildEvents.planned(id, plan.graphVersion(), plan.jobs().size(), plan.skipped().size(), plan.delegated().size()));
        var skippedBy = store.partitions(plan.skipped().stream().map(Plan.Skipped::ref).toList());
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
                    waiters.computeIfAbsent(r.ref(), k -> new HashSet<>()).add(id);
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
            for (String ref : waitsFor) waiters.computeIfAbsent(ref, k -> new HashSet<>()).add(id);
            var entry = new BuildJob(id, offset + i, keys.get(j.key()), j.definition(), null, BuildDecisions.WAITING,
                    j.partitions(), j.dependsOn().stream().map(keys::get).toList(), waitsFor, false, j.spec(), null, null);
            b.addJob(entry);
            w.jobs.add(entry);
            for (String ref : j.partitions()) {
                inFlight.put(ref, id);
                w.partitions.add(new PartitionRecord(ref, "scheduled", j.definition(), id, null, now, null));
                w.events.add(BuildEvents.partition(id, ref, "scheduled", null));
            }
        }
        b.setRecord(BuildStatus.EXECUTING, now, null, null, true);
        w.events.add(BuildEvents.status(id, BuildStatus.EXECUTING));
        advance(b, w, now);
    }

    // ---------------------------------------------------------------- config steps (dynamic configuration)

    /** One planning job per definition with {@code config}: its script, given the outputs in {@code KILN_PARTITIONS}. */
    private void startConfigSteps(ActiveBuild b, Graph g, List<Plan.PlannedJob> needing, Writes w, Instant now) {
        var outputs = new LinkedHashMap<String, List<String>>();
        for (Plan.PlannedJob j : needing) outputs.computeIfAbsent(j.definition(), k -> new ArrayList<>()).addAll(j.partitions());
        for (var e : outputs.entrySet()) {
            JobDefinition d = g.definitions().stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElseThrow();
            JobSpec t = d.job();
            var env = new java.util.TreeMap<>(t.env());
            env.put(GraphFile.PARTITIONS_ENV, String.join(" ", e.getValue()));
            var spec = new JobSpec(d.name() + " config", t.type(), d.config(), t.sourceRepository(), t.branch(), t.commitHash(),
                    t.targetArchitecture(), t.serverId(), t.labels(), env, t.secrets(), t.priority(), t.timeoutSeconds(),
                    t.cancelGraceSeconds(), t.retry(), List.of(), false);
            String jobId = JobIds.next();
            var entry = new BuildJob(b.id(), b.jobs.size(), d.name() + "#config", d.name(), null, BuildDecisions.WAITING,
                    e.getValue(), List.of(), List.of(), true, spec, null, null).submitted(jobId, now);
            b.addJob(entry);
            tracked.put(jobId, new JobLink(b.id(), entry.position()));
            w.jobs.add(entry);
            w.events.add(BuildEvents.jobScheduled(b.id(), entry.key(), jobId, e.getValue()));
            w.afterCommit.add(() -> jobs.submit(jobId, spec, null));
        }
    }

    /** A config step ended: a failure (or output that is not the JSON asked for) fails the build; the last one plans. */
    private void configEnded(ActiveBuild b, BuildJob entry, Job job, Writes w, Instant now) {
        if (b.status() != BuildStatus.PLANNING) return;
        if (job.status() != JobStatus.SUCCEEDED) {
            failPlanning(b, "config step " + entry.key() + " " + job.status().wireName()
                    + (job.exitCode() != null ? " with exit code " + job.exitCode() : "") + stderrOf(job), w, now);
            return;
        }
        try {
            b.configured.putAll(ConfigOutput.parse(stream(job, LogStream.STDOUT), entry.partitions()));
        } catch (IllegalArgumentException e) {
            failPlanning(b, "config step " + entry.key() + " printed no valid configuration: " + e.getMessage() + stderrOf(job), w, now);
            return;
        }
        if (b.openJobs() > 0) return; // other config steps still run
        try {
            Plan plan = Planner.plan(b.graph, b.record.requested(), b.record.force(), refs -> {
                var states = states(refs);
                states.values().removeIf(st -> st instanceof PartitionState.InFlight f && f.buildId().equals(b.id()));
                return states;
            }, Map.copyOf(b.configured));
            execute(b, plan, w, now);
        } catch (dev.kiln.server.graph.PlanException e) {
            failPlanning(b, "planning with what the config steps said failed: " + e.getMessage(), w, now);
        }
    }

    private void failPlanning(ActiveBuild b, String reason, Writes w, Instant now) {
        inFlight.values().removeIf(b.id()::equals);
        for (BuildPartition p : List.copyOf(b.requested.values())) {
            BuildPartition moved = b.moveRequested(p.ref(), PartitionStatus.FAILED, null, now);
            if (moved != null) w.requested.add(moved);
        }
        var open = new ArrayList<String>();
        for (BuildJob j : b.jobs) if (!BuildDecisions.entryEnded(j.status()) && j.jobId() != null) open.add(j.jobId());
        b.setRecord(BuildStatus.FAILED, b.record.startedAt(), now, reason, true);
        w.events.add(BuildEvents.status(b.id(), BuildStatus.FAILED, "reason", reason));
        if (b.openJobs() == 0) undrive(b, w);
        w.afterCommit.add(() -> open.forEach(jobId -> {
            try {
                jobs.cancel(jobId, null);
            } catch (IllegalTransitionException e) {
                log.debug("config step {} ended already", jobId);
            }
        }));
    }

    private String stream(Job job, LogStream which) {
        var text = new StringBuilder();
        store.forEachLogLine(job.id(), job.attempt(), l -> {
            if (l.line().stream() == which && text.length() < MAX_CONFIG_OUTPUT) text.append(l.line().text()).append('\n');
        });
        return text.toString();
    }

    /** The tail of a job's stderr, for a reason a person reads. */
    private String stderrOf(Job job) {
        String err = stream(job, LogStream.STDERR).strip();
        if (err.isEmpty()) return "";
        return "; stderr: " + (err.length() > 2000 ? "…" + err.substring(err.length() - 2000) : err);
    }

    // ---------------------------------------------------------------- moving builds on

    /**
     * Decides every waiting plan job of {@code b} (in dependency order, so a skip reaches all that depend on it in
     * one pass), then whether the build ended. Submissions happen after the commit that names the job ids.
     */
    private void advance(ActiveBuild b, Writes w, Instant now) {
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

    private Map<String, PartitionRecord> waitedStates(ActiveBuild b) {
        var refs = new LinkedHashSet<String>();
        for (BuildJob j : b.jobs) if (BuildDecisions.WAITING.equals(j.status())) refs.addAll(j.waitsFor());
        refs.removeIf(inFlight::containsKey);
        return refs.isEmpty() ? Map.of() : store.partitions(refs);
    }

    private InputState waitedState(String ref, Map<String, PartitionRecord> stored) {
        if (inFlight.containsKey(ref)) return InputState.PENDING;
        PartitionRecord p = stored.get(ref);
        return p != null && p.status().equals("available") ? InputState.READY : InputState.FAILED;
    }

    private void submitJob(ActiveBuild b, BuildJob j, Writes w, Instant now) {
        String jobId = JobIds.next();
        BuildJob submitted = j.submitted(jobId, now);
        b.setJob(submitted);
        tracked.put(jobId, new JobLink(b.id(), j.position()));
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
            w.afterCommit.add(() -> jobs.submitAll(List.copyOf(all)).exceptionally(e -> {
                log.error("build {}: {} jobs could not be submitted", b.id(), all.size(), e);
                return null;
            }));
        }
        w.submissions.add(new JobEngine.Submission(jobId, j.spec(), null));
    }

    private static BuildPartition withJob(BuildPartition p, String jobId) {
        return new BuildPartition(p.buildId(), p.ref(), p.status(), p.definition(), p.jobKey(), jobId, p.delegatedTo(),
                p.delegationKind(), p.updatedAt());
    }

    /** A plan job that will never run: its partitions are not built here (they fall back to what they were). */
    private void skip(ActiveBuild b, BuildJob j, String reason, Writes w, Instant now) {
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
    private void settle(ActiveBuild b, String definition, List<String> refs, Job job, PartitionStatus status, Writes w, Instant now) {
        boolean built = job != null && job.status() != JobStatus.CANCELLED;
        Map<String, PartitionRecord> before = built ? Map.of() : store.partitions(refs);
        for (String ref : refs) {
            inFlight.remove(ref, b.id());
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
    private void notifyWaiters(String ref, Writes w, Instant now) {
        Set<String> waiting = waiters.remove(ref);
        if (waiting == null) return;
        w.settledRefs.add(ref);
        w.waiting.addAll(waiting);
    }

    private void finishIfEnded(ActiveBuild b, Writes w, Instant now) {
        if (b.status().isEnded()) {
            if (b.openJobs() == 0) undrive(b, w);
            return;
        }
        var ending = BuildDecisions.ending(b.status(), b.openJobs(), b.count(PartitionStatus.DELEGATED),
                b.count(PartitionStatus.FAILED), b.firstFailure);
        if (ending == null) return;
        b.setRecord(ending.status(), b.record.startedAt(), now, ending.reason(), false);
        w.events.add(ending.status() == BuildStatus.FAILED ? BuildEvents.status(b.id(), ending.status(), "reason", ending.reason())
                : BuildEvents.status(b.id(), ending.status()));
        undrive(b, w);
    }

    private void undrive(ActiveBuild b, Writes w) {
        BuildRecord r = b.record;
        b.record = new BuildRecord(r.id(), r.seq(), r.status(), r.force(), r.graphVersion(), r.requested(), r.requestedCount(), r.counts(),
                r.jobsTotal(), r.jobsDone(), r.createdAt(), r.startedAt(), r.endedAt(), r.reason(), r.createdBy(), false);
        builds.remove(b.id());
        waiters.values().forEach(s -> s.remove(b.id()));
        w.build = b;
    }

    // ---------------------------------------------------------------- job ends (from the bus)

    private void onEvent(Event e) {
        if (e.jobId() == null || !JOB_KINDS.contains(e.kind()) || !tracked.containsKey(e.jobId())) return;
        thread.execute(() -> {
            try {
                onJob(e.jobId());
            } catch (RuntimeException ex) {
                log.error("applying job {}'s {} to its build failed", e.jobId(), e.kind(), ex);
            }
        });
    }

    private void onJob(String jobId) {
        JobLink link = tracked.get(jobId);
        if (link == null) return;
        ActiveBuild b = builds.get(link.buildId());
        if (b == null) return;
        Job job = store.job(jobId).orElse(null);
        if (job == null) return;
        BuildJob entry = b.jobs.get(link.position());
        String status = job.status().wireName();
        if (status.equals(entry.status())) return;
        Instant now = Instant.now();
        var w = new Writes();
        BuildJob updated = entry.with(status, job.error());
        b.setJob(updated);
        w.jobs.add(updated);
        // a job may have started and ended between two looks: its partitions were built all the same
        boolean startedNow = job.startedAt() != null && !List.of("running", "cancelling").contains(entry.status())
                && (job.status() == JobStatus.RUNNING || job.status().isTerminal());
        if (entry.configStep()) {
            if (startedNow) w.events.add(BuildEvents.jobStarted(b.id(), entry.key(), jobId));
            if (job.status().isTerminal()) {
                tracked.remove(jobId);
                w.events.add(BuildEvents.jobFinished(b.id(), entry.key(), jobId, status));
                configEnded(b, updated, job, w, now);
            }
            w.build = b;
            if (b.status().isEnded() && b.openJobs() == 0) undrive(b, w);
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
            tracked.remove(jobId);
            w.events.add(BuildEvents.jobFinished(b.id(), entry.key(), jobId, status));
            PartitionStatus target = BuildDecisions.partitionOnJob(PartitionStatus.BUILDING, job.status());
            var refs = new ArrayList<>(entry.partitions());
            if (job.status() == JobStatus.SUCCEEDED) refs.addAll(reported(job, refs));
            else if (b.firstFailure == null && job.status() != JobStatus.CANCELLED) {
                b.firstFailure = entry.key() + " (" + entry.definition() + ") " + status
                        + (job.error() != null ? ": " + job.error() : job.exitCode() != null ? " with exit code " + job.exitCode() : "");
            }
            settle(b, entry.definition(), refs, job, target, w, now);
        }
        w.build = b;
        advance(b, w, now);
        w.commit();
        w.afterCommit.forEach(Runnable::run);
    }

    /** Partitions the job reported through {@code $KILN_OUTPUT} ({@code partitions=a b} or comma separated) beyond its own. */
    private static List<String> reported(Job job, List<String> own) {
        String value = job.outputs().get("partitions");
        if (value == null || value.isBlank()) return List.of();
        var out = new ArrayList<String>();
        for (String ref : value.trim().split("[\\s,]+")) if (!ref.isEmpty() && !own.contains(ref) && !out.contains(ref)) out.add(ref);
        return out;
    }

    // ---------------------------------------------------------------- cancel

    private BuildRecord doCancel(String buildId, String by) {
        ActiveBuild b = builds.get(buildId);
        if (b == null || b.status().isEnded()) {
            BuildRecord stored = b != null ? b.record : store.build(buildId)
                    .orElseThrow(() -> new NotFoundException("no build with id '" + buildId + "'"));
            throw new IllegalTransitionException("build " + buildId + " is " + stored.status() + "; only a build that has not ended can be cancelled");
        }
        Instant now = Instant.now();
        var w = new Writes();
        Set<String> kept = keptJobs(b);
        var toCancel = new ArrayList<String>();
        for (BuildJob j : List.copyOf(b.jobs)) {
            if (BuildDecisions.entryEnded(j.status()) || kept.contains(j.key())) continue;
            if (BuildDecisions.WAITING.equals(j.status())) skip(b, j, "the build was cancelled", w, now);
            else toCancel.add(j.jobId());
        }
        for (BuildPartition p : List.copyOf(b.requested.values())) {
            if (p.status().equals("delegated") || p.status().equals("requested")) {
                BuildPartition moved = b.moveRequested(p.ref(), PartitionStatus.FAILED, null, now);
                if (moved != null) w.requested.add(moved);
            }
        }
        waiters.values().forEach(s -> s.remove(b.id()));
        String reason = "cancelled" + (by != null ? " by " + by : "")
                + (kept.isEmpty() ? "" : "; " + kept.size() + " jobs keep running for other builds that wait on them");
        b.setRecord(BuildStatus.CANCELLED, b.record.startedAt(), now, reason, true);
        w.events.add(BuildEvents.status(b.id(), BuildStatus.CANCELLED, "by", by, "kept_jobs", kept.size()));
        w.build = b;
        if (b.openJobs() == 0) undrive(b, w);
        w.commit();
        w.afterCommit.forEach(Runnable::run);
        for (String jobId : toCancel) {
            try {
                jobs.cancel(jobId, by);
            } catch (IllegalTransitionException e) {
                log.debug("job {} of cancelled build {} ended already: {}", jobId, buildId, e.getMessage());
            }
        }
        return b.record;
    }

    /** Plan jobs of {@code b} another active build waits on, and every job of {@code b} those need. */
    private Set<String> keptJobs(ActiveBuild b) {
        var kept = new LinkedHashSet<String>();
        for (BuildJob j : b.jobs.reversed()) {
            if (BuildDecisions.entryEnded(j.status())) continue;
            boolean wanted = kept.contains(j.key());
            for (String ref : j.partitions()) {
                Set<String> w = waiters.get(ref);
                if (w != null && w.stream().anyMatch(other -> !other.equals(b.id()) && builds.containsKey(other))) wanted = true;
            }
            if (wanted) {
                kept.add(j.key());
                kept.addAll(j.dependsOn());
            }
        }
        return kept;
    }

    // ---------------------------------------------------------------- recovery

    private void doRecover() {
        Instant now = Instant.now();
        var loaded = new ArrayList<ActiveBuild>();
        for (BuildRecord r : store.drivenBuilds()) {
            var b = new ActiveBuild(r);
            BuildStatus s = b.status();
            String after = null;
            while (true) {
                List<BuildPartition> page = store.buildPartitions(r.id(), null, after, PAGE);
                page.forEach(b::addRequested);
                if (page.size() < PAGE) break;
                after = page.get(page.size() - 1).ref();
            }
            store.buildJobs(r.id()).forEach(b::addJob);
            builds.put(r.id(), b);
            if (s == BuildStatus.RECEIVED || s == BuildStatus.PLANNING) {
                var w = new Writes();
                for (BuildPartition p : List.copyOf(b.requested.values())) {
                    BuildPartition moved = b.moveRequested(p.ref(), PartitionStatus.FAILED, null, now);
                    if (moved != null) w.requested.add(moved);
                }
                b.setRecord(BuildStatus.FAILED, r.startedAt(), now, "the server stopped while the build was planned; request the partitions again", false);
                w.events.add(BuildEvents.status(r.id(), BuildStatus.FAILED, "reason", b.record.reason()));
                w.build = b;
                undrive(b, w);
                w.commit();
                continue;
            }
            for (BuildPartition p : b.requested.values()) {
                if (p.status().equals("delegated")) waiters.computeIfAbsent(p.ref(), k -> new HashSet<>()).add(r.id());
            }
            for (BuildJob j : b.jobs) {
                if (BuildDecisions.entryEnded(j.status())) continue;
                j.partitions().forEach(ref -> inFlight.put(ref, r.id()));
                if (BuildDecisions.WAITING.equals(j.status())) {
                    j.waitsFor().forEach(ref -> waiters.computeIfAbsent(ref, k -> new HashSet<>()).add(r.id()));
                }
                if (j.jobId() != null) tracked.put(j.jobId(), new JobLink(r.id(), j.position()));
            }
            loaded.add(b);
        }
        for (ActiveBuild b : loaded) {
            for (BuildJob j : List.copyOf(b.jobs)) {
                if (j.jobId() == null || BuildDecisions.entryEnded(j.status())) continue;
                if (store.job(j.jobId()).isEmpty()) {
                    // recorded, but the server stopped before the job was stored: submit it now, under the same id
                    jobs.submit(j.jobId(), j.spec(), null);
                } else {
                    onJob(j.jobId()); // what happened to it while the server was down
                }
            }
        }
        for (ActiveBuild b : loaded) {
            if (!builds.containsKey(b.id())) continue;
            var w = new Writes();
            w.build = b;
            advance(b, w, now);
            w.commit();
            w.afterCommit.forEach(Runnable::run);
        }
        log.info("recovered {} build requests", loaded.size());
    }

    // ---------------------------------------------------------------- writing

    /** What one decision changes, written in one transaction; waiting builds are moved on after it commits. */
    private final class Writes {
        boolean insert;
        ActiveBuild build;
        final List<Event> events = new ArrayList<>();
        final List<BuildPartition> requested = new ArrayList<>();
        final List<BuildJob> jobs = new LastPerKey<>(new LinkedHashMap<Integer, BuildJob>(), BuildJob::position);
        final Map<String, PartitionRecord> partitionsByRef = new LinkedHashMap<>();
        final List<PartitionRecord> partitions = new LastPerKey<>(partitionsByRef, PartitionRecord::ref);
        final Set<String> deleted = new LinkedHashSet<>();
        final List<Runnable> afterCommit = new ArrayList<>();
        /** Plan jobs to submit once this write commits, in one go. */
        final List<JobEngine.Submission> submissions = new ArrayList<>();
        final Set<String> settledRefs = new LinkedHashSet<>();
        final Set<String> waiting = new LinkedHashSet<>();

        void commit() {
            BuildRecord record = build == null ? null : build.refreshed();
            Function<StoreTx, BuildRecord> work = tx -> {
                BuildRecord out = record;
                if (record != null) {
                    if (insert) out = tx.insertBuild(record);
                    else tx.updateBuild(record);
                }
                requested.forEach(tx::upsertBuildPartition);
                jobs.forEach(tx::upsertBuildJob);
                partitionsByRef.values().forEach(tx::upsertPartition);
                deleted.forEach(tx::deletePartition);
                events.forEach(tx::appendEvent);
                return out;
            };
            BuildRecord stored = store.write(work).join();
            if (insert && stored != null) build.record = stored; // with its seq
            if (build != null) {
                if (build.status() == BuildStatus.EXECUTING) executingView.put(build.id(), build.record);
                else executingView.remove(build.id());
            }
            // builds that waited for partitions settled here: their delegated partitions follow, their jobs may start
            if (!waiting.isEmpty()) {
                Instant now = Instant.now();
                for (String id : waiting) followDelegates(id, settledRefs, now);
            }
        }
    }

    /**
     * A list whose adds keep the last value per key, in the order each key was first added: a decision may touch one
     * partition or job entry twice (a plan's first-level jobs are added waiting, then submitted), and only the last
     * is written.
     */
    private static final class LastPerKey<K, V> extends java.util.AbstractList<V> {
        private final Map<K, V> byKey;
        private final Function<V, K> key;

        LastPerKey(Map<K, V> byKey, Function<V, K> key) {
            this.byKey = byKey;
            this.key = key;
        }

        @Override
        public boolean add(V value) {
            byKey.put(key.apply(value), value);
            return true;
        }

        @Override
        public java.util.Iterator<V> iterator() {
            return java.util.Collections.unmodifiableCollection(byKey.values()).iterator();
        }

        @Override
        public V get(int index) {
            return List.copyOf(byKey.values()).get(index);
        }

        @Override
        public int size() {
            return byKey.size();
        }
    }

    /** {@code buildId} delegated some of {@code refs} to a build that settled them: follow, then go on. */
    private void followDelegates(String buildId, Set<String> refs, Instant now) {
        ActiveBuild b = builds.get(buildId);
        if (b == null) return;
        var w = new Writes();
        w.build = b;
        Map<String, PartitionRecord> stored = store.partitions(refs);
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

    private <T> T onThread(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            log.debug("unsubscribing: {}", e.toString());
        }
        thread.shutdownNow();
    }
}
