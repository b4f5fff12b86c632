package dev.kiln.server.jobs;

import dev.kiln.server.core.ApplySpec;
import dev.kiln.server.core.FileRef;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.events.Event;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.store.Store;
import java.util.List;
import java.util.Map;

/**
 * Applying a job (seed 002: PLAN → DEPLOY, after Atlantis' plan/apply): a succeeded job that declares {@code apply}
 * becomes a new job that runs the declared command on the chosen agent, with the plan's artifacts in its workspace,
 * each checked by SHA-256 on the agent before the command starts. A plan is applied once, and not when a newer plan
 * of the same name succeeded since (it would apply a stale plan), unless forced.
 */
public final class Applications {
    private final Store store;
    private final JobEngine engine;
    private final FleetRegistry fleet;

    public Applications(Store store, JobEngine engine, FleetRegistry fleet) {
        this.store = store;
        this.engine = engine;
        this.fleet = fleet;
    }

    /**
     * Creates the apply job of {@code planId} on {@code agent} ("auto", an agent's id or name); {@code by} names who
     * asked. Synchronized: two requests at once must not both pass the "not applied yet" check.
     */
    public synchronized Job apply(String planId, String agent, boolean force, String by) {
        Job plan = store.job(planId).orElseThrow(() -> new NotFoundException("no job with id '" + planId + "'"));
        refuseUnlessApplicable(plan, force);
        String serverId = agentId(agent);
        Map<String, String> secrets = plan.spec().secrets().isEmpty() ? Map.of() : store.secrets(plan.id());
        String commit = JobEvents.checkedOutCommit(store, plan.id());
        Job applying = engine.submit(applySpec(plan, serverId, secrets, inputs(plan), commit), null).join();
        store.write(tx -> tx.appendEvent(Event.draft(plan.id(), "job.applied", Event.data("apply_job_id", applying.id(),
                "agent", agent, "force", force, "by", by)))).join();
        return applying;
    }

    private void refuseUnlessApplicable(Job plan, boolean force) {
        String id = plan.shortId();
        if (plan.status() != JobStatus.SUCCEEDED) {
            throw new IllegalTransitionException("job " + id + " is " + plan.status().wireName()
                    + "; only a succeeded job can be applied");
        }
        if (plan.spec().apply() == null) {
            throw new IllegalTransitionException("job " + id + " declares no apply; submit the plan with \"apply\": "
                    + "{\"command\": \"…\"} to say what applying it runs");
        }
        if (force) return;
        List<String> applied = store.jobsApplying(plan.id());
        if (!applied.isEmpty()) {
            throw new IllegalTransitionException("job " + id + " was applied already by job " + applied.getLast()
                    + "; apply again with \"force\": true");
        }
        store.newestSucceeded(plan.spec().type(), plan.spec().name()).filter(newer -> newer.seq() > plan.seq())
                .ifPresent(newer -> {
                    throw new IllegalTransitionException("job " + id + " is stale: job " + newer.id() + ", a newer "
                            + plan.spec().type() + " named '" + plan.spec().name() + "', succeeded since; apply that one,"
                            + " or apply this one with \"force\": true");
                });
    }

    /** "auto", or the id of the agent named by id or name (the job is pinned to it). */
    private String agentId(String agent) {
        if (agent == null || agent.isBlank() || JobSpec.AUTO.equals(agent)) return JobSpec.AUTO;
        try {
            return fleet.view(agent).id();
        } catch (NotFoundException e) {
            throw new ValidationException("agent", "no agent '" + agent + "' is known; give \"auto\", or an agent's id or"
                    + " name from GET /api/v1/workers");
        }
    }

    /** The plan's artifacts of its succeeded attempt. */
    private List<FileRef> inputs(Job plan) {
        return store.artifacts(plan.id()).stream().filter(a -> a.attempt() == plan.attempt())
                .map(a -> new FileRef(a.name(), a.sha256(), a.size())).toList();
    }

    /**
     * The apply job: the declared command, type and labels; the plan's source at the commit the plan checked out (so
     * a branch that moved on since does not change what is applied), env, secrets and webhooks; no retry.
     */
    static JobSpec applySpec(Job plan, String serverId, Map<String, String> secrets, List<FileRef> inputs, String commit) {
        JobSpec s = plan.spec();
        ApplySpec a = s.apply();
        String name = "apply " + s.name();
        return new JobSpec(name.length() > 200 ? name.substring(0, 200) : name, a.type(), a.command(),
                s.sourceRepository(), s.branch(), commit != null ? commit : s.commitHash(), null, serverId, a.labels(), s.env(), secrets,
                s.priority(), s.timeoutSeconds(), s.cancelGraceSeconds(), RetryPolicy.NONE, List.of(), false,
                null, s.notifyTargets(), null, plan.id(), inputs);
    }
}
