package dev.kiln.server.builds;

import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.graph.Graph;
import dev.kiln.server.graph.PartitionLookup;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.graph.Planner;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.Store;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>This class is the facade and plans; its parts share a {@link BuildState} (the thread, the active builds, the
 * {@code Writes} commit path): {@link BuildProgress} moves builds on, {@link ConfigSteps} runs config steps,
 * {@link JobEnds} applies job ends from the bus, {@link BuildCancel} cancels and {@link BuildRecovery} recovers.
 */
public final class BuildEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BuildEngine.class);
    private final BuildState s;
    private final BuildProgress progress;
    private final ConfigSteps config;
    private final BuildCancel cancels;
    private final BuildRecovery recovery;
    private final AutoCloseable subscription;

    /** {@code graph}: the graph in force, or null when none is loaded. */
    public BuildEngine(Store store, JobEngine jobs, EventBus bus, Supplier<Graph> graph) {
        this.s = new BuildState(store, jobs, graph);
        this.progress = new BuildProgress(s);
        s.progress = progress;
        this.config = new ConfigSteps(s, progress);
        var jobEnds = new JobEnds(s, config, progress);
        this.cancels = new BuildCancel(s, progress);
        this.recovery = new BuildRecovery(s, jobEnds, progress);
        this.subscription = bus.subscribe(jobEnds::onEvent);
    }

    // ---------------------------------------------------------------- the API's entry points

    /** Plans and starts a build request; throws {@code PlanException} (400), or a 409 when no graph is loaded. */
    public BuildRecord submit(List<String> refs, boolean force, String by) {
        Graph g = s.graph.get();
        if (g == null) throw new IllegalTransitionException("no build graph is loaded: load a kiln.yaml first");
        return s.onThread(() -> plan(g, refs, force, by));
    }

    /** Cancels a build: its jobs no other active build waits on are cancelled or never start. */
    public BuildRecord cancel(String buildId, String by) {
        return s.onThread(() -> cancels.doCancel(buildId, by));
    }

    /** What the planner sees of partitions: in flight in an active build, available, or missing. */
    public PartitionLookup lookup() {
        return s::states;
    }

    /**
     * The builds executing now, oldest first, as last committed, for the activity feed: {@code {kind: "build", id,
     * status, label}}. Never waits for the engine's thread.
     */
    public List<Map<String, Object>> executing() {
        return s.executingView.values().stream().sorted(java.util.Comparator.comparing(BuildRecord::seq)).map(b -> {
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
        s.onThread(() -> {
            recovery.doRecover();
            return null;
        });
    }

    // ---------------------------------------------------------------- planning

    private BuildRecord plan(Graph g, List<String> refs, boolean force, String by) {
        Plan plan = Planner.plan(g, refs, force, lookup());
        Instant now = Instant.now();
        String id = JobIds.next();
        List<String> requested = plan.requested().stream().map(Plan.Requested::ref).toList();
        var b = new ActiveBuild(new BuildRecord(id, 0, BuildStatus.RECEIVED.wireName(), force, plan.graphVersion(),
                requested, requested.size(), Map.of(), 0, 0, now, null, null, null, by, true));
        b.graph = g;
        var w = s.writes();
        w.insert = true;
        w.build = b;
        w.events.add(BuildEvents.status(id, BuildStatus.RECEIVED, "partitions", requested.size(), "force", force));
        w.events.add(BuildEvents.status(id, BuildStatus.PLANNING));
        s.builds.put(id, b);
        b.setRecord(BuildStatus.PLANNING, now, null, null, true);
        List<Plan.PlannedJob> needing = plan.jobs().stream().filter(Plan.PlannedJob::needsConfigStep).toList();
        if (needing.isEmpty()) {
            progress.execute(b, plan, w, now);
        } else {
            for (Plan.Requested r : plan.requested()) {
                var p = new BuildPartition(id, r.ref(), "requested", r.definition(), null, null, null, null, now);
                b.addRequested(p);
                w.requested.add(p);
            }
            // claimed while the config steps run, so a concurrent request waits for this build instead of building them
            for (Plan.PlannedJob j : plan.jobs()) j.partitions().forEach(ref -> s.inFlight.put(ref, id));
            config.startConfigSteps(b, g, needing, w, now);
        }
        w.commit();
        w.afterCommit.forEach(Runnable::run);
        return b.record;
    }

    @Override
    public void close() {
        try {
            subscription.close();
        } catch (Exception e) {
            log.debug("unsubscribing: {}", e.toString());
        }
        s.thread.shutdownNow();
    }
}
