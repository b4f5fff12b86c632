package dev.kiln.server.jobs;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.fleet.AgentJobs;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.store.Store;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;

/** What an agent's coming and going means for the jobs it held. Called by the fleet registry under the lock. */
public final class JobsOnAgents implements AgentJobs {
    private final ActiveJobs active;
    private final Fleet fleet;
    private final JobLedger ledger;
    private final Store store;

    public JobsOnAgents(ActiveJobs active, Fleet fleet, JobLedger ledger, Store store) {
        this.active = active;
        this.fleet = fleet;
        this.ledger = ledger;
        this.store = store;
    }

    @Override
    public void reconcile(AgentSession agent, AgentMessage.Hello hello) {
        Instant now = Instant.now();
        var reported = new HashMap<String, AgentMessage.RunningJob>();
        if (hello.running() != null) hello.running().forEach(r -> reported.put(r.jobId(), r));
        // jobs the server believes are on this agent but it does not run: it restarted and they died with it
        for (String jobId : List.copyOf(agent.activeJobs())) {
            ActiveJob aj = active.get(jobId);
            var r = reported.get(jobId);
            if (aj == null || (r != null && r.attempt() == aj.job.attempt())) continue;
            agent.activeJobs().remove(jobId);
            ledger.apply(aj, JobTransitions.agentGone(aj.job, aj.attempt,
                    "agent " + agent.name() + " came back without the job", now, Jitter.draw()));
        }
        // jobs it runs that are not expected on it: stop them; those that are carry on where the store stands
        var connection = agent.connection();
        for (var r : reported.values()) {
            ActiveJob aj = active.get(r.jobId());
            if (aj == null) aj = adopt(agent, r);
            if (aj == null || aj.job.attempt() != r.attempt() || !agent.id().equals(aj.job.agentId())) {
                connection.send(new ServerMessage.Cancel(r.jobId(), r.attempt(), 0));
                continue;
            }
            agent.activeJobs().add(r.jobId());
            if (aj.job.spec().service()) agent.services().add(r.jobId());
            if (aj.attempt != null && r.lastAckedSeq() < aj.attempt.logSeq()) {
                connection.send(new ServerMessage.Ack(r.jobId(), r.attempt(), aj.attempt.logSeq()));
            }
            if (aj.job.status() == JobStatus.CANCELLING || aj.job.status() == JobStatus.STOPPING) {
                connection.send(new ServerMessage.Cancel(r.jobId(), r.attempt(), aj.job.spec().cancelGraceSeconds()));
            }
        }
    }

    /**
     * A job this server does not hold, which the store says runs on this agent at this attempt: another server of
     * the same database assigned it and the agent has failed over to this one (one database, several servers).
     * This server takes it over from the store; the agent's greeting resends what the other had not acknowledged.
     */
    private ActiveJob adopt(AgentSession agent, AgentMessage.RunningJob r) {
        Job stored = store.job(r.jobId()).orElse(null);
        if (stored == null || !stored.status().isOnAgent() || stored.attempt() != r.attempt()
                || !agent.id().equals(stored.agentId())) {
            return null;
        }
        ActiveJob aj = ActiveJob.fromStore(stored, store);
        active.add(aj);
        return aj;
    }

    @Override
    public void lose(String agentId, String why) {
        Instant now = Instant.now();
        AgentSession agent = fleet.get(agentId);
        for (var aj : List.copyOf(active.all())) {
            if (!agentId.equals(aj.job.agentId()) || !aj.job.status().isOnAgent()) continue;
            if (agent != null) agent.activeJobs().remove(aj.id());
            ledger.apply(aj, JobTransitions.agentGone(aj.job, aj.attempt, why, now, Jitter.draw()));
        }
    }
}
