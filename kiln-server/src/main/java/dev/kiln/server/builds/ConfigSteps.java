package dev.kiln.server.builds;

import dev.kiln.server.builds.BuildState.JobLink;
import dev.kiln.server.builds.BuildState.Writes;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobStatus;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.graph.Graph;
import dev.kiln.server.graph.GraphFile;
import dev.kiln.server.graph.JobDefinition;
import dev.kiln.server.graph.PartitionState;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.graph.Planner;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Config steps (dynamic configuration): the planning jobs a build runs before its plan, and what their ends decide. */
final class ConfigSteps {
    private static final Logger log = LoggerFactory.getLogger(ConfigSteps.class);
    /** A config step's stdout is read up to this many characters (its JSON for thousands of outputs fits). */
    static final int MAX_CONFIG_OUTPUT = 16 * 1024 * 1024;
    private final BuildState state;
    private final BuildProgress progress;

    ConfigSteps(BuildState state, BuildProgress progress) {
        this.state = state;
        this.progress = progress;
    }

    // ---------------------------------------------------------------- config steps (dynamic configuration)

    /** One planning job per definition with {@code config}: its script, given the outputs in {@code KILN_PARTITIONS}. */
    void startConfigSteps(ActiveBuild b, Graph g, List<Plan.PlannedJob> needing, Writes w, Instant now) {
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
            state.tracked.put(jobId, new JobLink(b.id(), entry.position()));
            w.jobs.add(entry);
            w.events.add(BuildEvents.jobScheduled(b.id(), entry.key(), jobId, e.getValue()));
            w.afterCommit.add(() -> state.jobs.submit(jobId, spec, null));
        }
    }

    /** A config step ended: a failure (or output that is not the JSON asked for) fails the build; the last one plans. */
    void configEnded(ActiveBuild b, BuildJob entry, Job job, Writes w, Instant now) {
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
                var states = state.states(refs);
                states.values().removeIf(st -> st instanceof PartitionState.InFlight f && f.buildId().equals(b.id()));
                return states;
            }, Map.copyOf(b.configured));
            progress.execute(b, plan, w, now);
        } catch (dev.kiln.server.graph.PlanException e) {
            failPlanning(b, "planning with what the config steps said failed: " + e.getMessage(), w, now);
        }
    }

    void failPlanning(ActiveBuild b, String reason, Writes w, Instant now) {
        state.inFlight.values().removeIf(b.id()::equals);
        for (BuildPartition p : List.copyOf(b.requested.values())) {
            BuildPartition moved = b.moveRequested(p.ref(), PartitionStatus.FAILED, null, now);
            if (moved != null) w.requested.add(moved);
        }
        var open = new ArrayList<String>();
        for (BuildJob j : b.jobs) if (!BuildDecisions.entryEnded(j.status()) && j.jobId() != null) open.add(j.jobId());
        b.setRecord(BuildStatus.FAILED, b.record.startedAt(), now, reason, true);
        w.events.add(BuildEvents.status(b.id(), BuildStatus.FAILED, "reason", reason));
        if (b.openJobs() == 0) state.undrive(b, w);
        w.afterCommit.add(() -> open.forEach(jobId -> {
            try {
                state.jobs.cancel(jobId, null);
            } catch (IllegalTransitionException e) {
                log.debug("config step {} ended already", jobId);
            }
        }));
    }

    String stream(Job job, LogStream which) {
        var text = new StringBuilder();
        state.store.forEachLogLine(job.id(), job.attempt(), l -> {
            if (l.line().stream() == which && text.length() < MAX_CONFIG_OUTPUT) text.append(l.line().text()).append('\n');
        });
        return text.toString();
    }

    /** The tail of a job's stderr, for a reason a person reads. */
    String stderrOf(Job job) {
        String err = stream(job, LogStream.STDERR).strip();
        if (err.isEmpty()) return "";
        return "; stderr: " + (err.length() > 2000 ? "…" + err.substring(err.length() - 2000) : err);
    }

}
