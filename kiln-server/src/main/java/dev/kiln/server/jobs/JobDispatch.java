package dev.kiln.server.jobs;

import dev.kiln.protocol.InputFile;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.scheduler.Dispatcher;
import dev.kiln.server.scheduler.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One dispatch pass: release the held retries whose backoff is over, then, while the scheduler finds a queued job
 * and an agent with a free slot for it, assign it and send it. Run by the {@link Dispatcher}'s thread whenever
 * something may have freed up; returns when the next held retry may go, for the dispatcher's timer.
 */
public final class JobDispatch implements Dispatcher.Pass {
    private final EngineLock lock;
    private final ActiveJobs active;
    private final Fleet fleet;
    private final JobLedger ledger;
    private final KilnMetrics metrics;
    /** Several servers may share the database: claim each job there and send it only once the claim commits. */
    private final boolean claimFirst;

    /** Wakes the dispatcher: a claim lost to another server frees its slot after the pass that made it. */
    private final Runnable wake;

    public JobDispatch(EngineLock lock, ActiveJobs active, Fleet fleet, JobLedger ledger, KilnMetrics metrics) {
        this(lock, active, fleet, ledger, metrics, false, () -> {});
    }

    public JobDispatch(EngineLock lock, ActiveJobs active, Fleet fleet, JobLedger ledger, KilnMetrics metrics,
                       boolean claimFirst, Runnable wake) {
        this.claimFirst = claimFirst;
        this.wake = wake;
        this.metrics = metrics;
        this.lock = lock;
        this.active = active;
        this.fleet = fleet;
        this.ledger = ledger;
    }

    @Override
    public Instant run() {
        synchronized (lock) {
            active.queue().release(Instant.now());
            Scheduler.Assignment next;
            while ((next = Scheduler.next(active.queue(), fleet.all())) != null) {
                var entry = next.entry();
                AgentSession agent = next.agent();
                active.queue().remove(entry.jobId());
                ActiveJob aj = active.get(entry.jobId());
                if (aj == null || aj.job.status() != JobStatus.QUEUED) continue;
                aj.pendingFinish = null;
                agent.activeJobs().add(aj.id());
                if (aj.job.spec().service()) agent.services().add(aj.id());
                Instant now = Instant.now();
                metrics.dispatched(Duration.between(aj.job.queuedAt(), now));
                if (claimFirst) {
                    claimThenSend(aj, agent, JobTransitions.assign(aj.job, agent.id(), agent.name(), now));
                    continue;
                }
                ledger.apply(aj, JobTransitions.assign(aj.job, agent.id(), agent.name(), now));
                // Sent without waiting for the commit (send-before-commit): the single writer is FIFO, so whatever
                // the agent reports next is stored after this assignment. If the server dies before the commit, the
                // job is still queued on restart, and the agent's hello names a job the server then cancels.
                agent.connection().send(new ServerMessage.Assign(toAssignment(aj.job, aj.attempt.number(), aj.secrets)));
            }
            return active.queue().nextRelease();
        }
    }

    /**
     * Several servers: the assignment goes to the agent only once this server's claim on the job has committed (the
     * writer stays FIFO, so the agent's reports still follow it). A lost claim drops the job from this server: the
     * server that won runs it. Any other failure drops it too; the shared queue's next look at the database brings
     * it back while it is still queued.
     */
    private void claimThenSend(ActiveJob aj, AgentSession agent, JobTransitions.Decision assign) {
        ledger.claim(aj, assign).whenComplete((job, failure) -> {
            synchronized (lock) {
                boolean stillOurs = active.get(aj.id()) == aj && aj.job.status() == JobStatus.ASSIGNED
                        && aj.attempt != null && aj.attempt.number() == assign.job().attempt();
                if (failure == null && stillOurs && agent.connection() != null) {
                    agent.connection().send(new ServerMessage.Assign(toAssignment(aj.job, aj.attempt.number(), aj.secrets)));
                    return;
                }
                if (failure != null) {
                    agent.activeJobs().remove(aj.id());
                    if (active.get(aj.id()) == aj) active.forget(aj.id());
                }
            }
            // the slot is free again: without a pass now, the queued jobs would wait for the next job or agent
            if (failure != null) wake.run();
        });
    }

    private static JobAssignment toAssignment(Job job, int attempt, Map<String, String> secrets) {
        JobSpec s = job.spec();
        return new JobAssignment(job.id(), attempt, s.command(), s.sourceRepository(), s.branch(), s.commitHash(),
                s.env(), secrets, s.timeoutSeconds(), s.cancelGraceSeconds(), s.artifacts(),
                s.readyWhen() == null ? null : new JobAssignment.ReadyWhen(s.readyWhen().log(), s.readyWhen().tcpPort()),
s.inputs().stream().map(f -> new InputFile(f.path(), f.sha256(), inputUrl(job.id(), f.path()))).toList());
    }

    /** Where the agent fetches an input, with its token: {@code GET /api/v1/agent/jobs/{id}/inputs/<path>}. */
    static String inputUrl(String jobId, String path) {
        var segments = java.util.Arrays.stream(path.split("/"))
                .map(seg -> java.net.URLEncoder.encode(seg, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        return "/api/v1/agent/jobs/" + jobId + "/inputs/" + String.join("/", segments.toList());
    }
}
