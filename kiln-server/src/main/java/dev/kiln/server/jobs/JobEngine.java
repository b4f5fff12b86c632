package dev.kiln.server.jobs;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.fleet.AgentConnection;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.scheduler.Dispatcher;
import dev.kiln.server.store.Store;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs side of Kiln as the API and the agent socket see it: submit, cancel, re-run, recovery at start, and the
 * entry for what agents say. It decides nothing itself: {@link JobTransitions} decides, {@link JobLedger} applies,
 * {@link AgentReports} handles what agents report, {@link JobDispatch} assigns, the {@link FleetRegistry} keeps the
 * agents. Every change happens under the one {@link EngineLock}; callers wait for durability outside it.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);

    private final EngineLock lock;
    private final Store store;
    private final ActiveJobs active;
    private final JobLedger ledger;
    private final FleetRegistry fleet;
    private final AgentReports reports;
    private final Dispatcher dispatcher;
    private final KilnMetrics metrics;

    public JobEngine(EngineLock lock, Store store, ActiveJobs active, JobLedger ledger, FleetRegistry fleet,
                     AgentReports reports, Dispatcher dispatcher, KilnMetrics metrics) {
        this.metrics = metrics;
        this.lock = lock;
        this.store = store;
        this.active = active;
        this.ledger = ledger;
        this.fleet = fleet;
        this.reports = reports;
        this.dispatcher = dispatcher;
    }

    /**
     * Picks up where the last server left off. Queued jobs queue again. Jobs that were on the embedded agent died
     * with the server: they are lost (and retried if their policy says so). Jobs on remote agents wait for their
     * agent to come back.
     */
    public void recover(String embeddedAgentId) {
        List<Job> jobs = store.activeJobs();
        Instant now = Instant.now();
        fleet.recover(store.agents());
        synchronized (lock) {
            for (Job job : jobs) {
                Map<String, String> secrets = job.spec().secrets().isEmpty() ? Map.of() : store.secrets(job.id());
                Attempt attempt = job.attempt() > 0 ? store.attempt(job.id(), job.attempt()).orElse(null) : null;
                var aj = new ActiveJob(job, attempt, secrets);
                active.add(aj);
                if (job.status() == JobStatus.QUEUED) {
                    active.enqueue(job);
                } else if (embeddedAgentId != null && embeddedAgentId.equals(job.agentId())) {
                    ledger.apply(aj, JobTransitions.agentGone(job, attempt,
                            "the server stopped while the job ran on its embedded agent", now, Jitter.draw()));
                } else {
                    fleet.expectBack(job.agentId(), job.id());
                }
            }
        }
        log.info("recovered {} unfinished jobs ({} queued)", jobs.size(), active.queue().size());
        dispatcher.wake();
    }

    public CompletableFuture<Job> submit(JobSpec spec, String rerunOf) {
        return submit(JobIds.next(), spec, rerunOf);
    }

    /** Submits under an id chosen before (a build records it first, so a restart finds the job or submits it again). */
    public CompletableFuture<Job> submit(String id, JobSpec spec, String rerunOf) {
        Job job = Job.newlySubmitted(id, spec, rerunOf, Instant.now());
        CompletableFuture<Job> stored;
        synchronized (lock) {
            active.add(new ActiveJob(job, null, spec.secrets()));
            stored = store.write(tx -> {
                Job s = tx.insertJob(job);
                tx.appendEvent(JobEvents.queued(s));
                return s;
            });
            active.enqueue(job);
        }
        dispatcher.wake();
        metrics.jobSubmitted(spec.type());
        stored.exceptionally(e -> {
            log.error("job {} could not be stored", job.id(), e);
            synchronized (lock) {
                active.forget(job.id());
            }
            return null;
        });
        return stored;
    }

    public CompletableFuture<Job> rerun(String jobId) {
        Job original = store.job(jobId).orElseThrow(() -> notFound(jobId));
        if (!original.status().isTerminal()) {
            throw new IllegalTransitionException("job " + jobId + " is " + original.status().wireName()
                    + "; only a finished job can be re-run (cancel it first)");
        }
        Map<String, String> secrets = original.spec().secrets().isEmpty() ? Map.of() : store.secrets(jobId);
        return submit(original.spec().withSecrets(secrets), jobId);
    }

    public CompletableFuture<Job> cancel(String jobId) {
        return cancel(jobId, null);
    }

    /** Cancels the job; {@code by} names who asked (a token's name), or null when unknown. */
    public CompletableFuture<Job> cancel(String jobId, String by) {
        synchronized (lock) {
            ActiveJob aj = active.get(jobId);
            if (aj == null) {
                Job stored = store.job(jobId).orElseThrow(() -> notFound(jobId));
                throw new IllegalTransitionException("job " + jobId + " is " + stored.status().wireName()
                        + "; only queued or running jobs can be cancelled");
            }
            var decision = JobTransitions.cancel(aj.job, aj.attempt, by, Instant.now());
            if (decision == null) return CompletableFuture.completedFuture(aj.job);
            if (decision.job().status() != JobStatus.CANCELLING) return ledger.apply(aj, decision);
            var cancel = new ServerMessage.Cancel(jobId, aj.attempt.number(), aj.job.spec().cancelGraceSeconds());
            AgentConnection agent = fleet.connectionOf(aj.job.agentId());
            return ledger.apply(aj, decision).thenApply(j -> {
                if (agent != null) agent.send(cancel);
                return j;
            });
        }
    }

    // ---------------------------------------------------------------- the agent socket's entry points

    /** False when the agent is already connected elsewhere (the connection was refused and closed). */
    public boolean agentConnected(AgentMessage.Hello hello, AgentConnection connection) {
        return fleet.connected(hello, connection);
    }

    public void agentDisconnected(String agentId, AgentConnection connection) {
        fleet.disconnected(agentId, connection);
    }

    public void agentMessage(String agentId, AgentMessage message) {
        switch (message) {
            case AgentMessage.Heartbeat hb -> fleet.heartbeat(agentId, hb);
            case AgentMessage.JobStarted m -> reports.started(agentId, m);
            case AgentMessage.Log m -> reports.log(agentId, m);
            case AgentMessage.JobFinished m -> reports.finished(agentId, m);
            case AgentMessage.JobEvent m -> reports.event(agentId, m);
            case AgentMessage.JobOutput m -> reports.output(agentId, m);
            case AgentMessage.Hello hello -> log.warn("agent {} sent a second hello; ignored", agentId);
        }
    }

    // ---------------------------------------------------------------- readers

    /** Every unfinished job as the engine holds it now. */
    public List<Job> activeJobsSnapshot() {
        synchronized (lock) {
            return active.jobs();
        }
    }

    /**
     * The job as the engine holds it now, else as stored. For an active job memory is ahead of the store: an
     * assignment is sent before it commits, so an agent may act on attempt N (upload an artifact) before the stored
     * job says N.
     */
    public Optional<Job> current(String jobId) {
        synchronized (lock) {
            Job held = active.job(jobId);
            if (held != null) return Optional.of(held);
        }
        return store.job(jobId);
    }

    public Set<String> activeJobIds() {
        synchronized (lock) {
            return active.ids();
        }
    }

    private static NotFoundException notFound(String jobId) {
        return new NotFoundException("no job with id '" + jobId + "'");
    }

    @Override
    public void close() {
        dispatcher.close();
    }
}
