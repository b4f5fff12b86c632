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
import dev.kiln.server.store.CancelRequest;
import dev.kiln.server.store.Store;
import java.time.Instant;
import java.util.ArrayList;
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
                var aj = ActiveJob.fromStore(job, store);
                Attempt attempt = aj.attempt;
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
        var one = new CompletableFuture<Job>();
        // not thenApply: a caller sees the store's own exception, not one wrapped in a CompletionException
        submitAll(List.of(new Submission(id, spec, rerunOf))).whenComplete((stored, e) -> {
            if (e != null) one.completeExceptionally(e);
            else one.complete(stored.get(0));
        });
        return one;
    }

    /** One job to submit under an id chosen before; {@code rerunOf} null unless it re-runs a job. */
    public record Submission(String id, JobSpec spec, String rerunOf) {}

    /**
     * Submits many jobs in one write (a build's 10,000 first-level jobs: one savepoint, one future and one
     * dispatcher wake-up instead of one each); they queue in the order given. If the write fails, none is stored.
     */
    public CompletableFuture<List<Job>> submitAll(List<Submission> submissions) {
        Instant now = Instant.now();
        List<Job> jobs = submissions.stream().map(s -> Job.newlySubmitted(s.id(), s.spec(), s.rerunOf(), now)).toList();
        CompletableFuture<List<Job>> stored;
        synchronized (lock) {
            for (Job job : jobs) active.add(new ActiveJob(job, null, job.spec().secrets()));
            stored = store.write(tx -> {
                var out = new ArrayList<Job>(jobs.size());
                for (Job job : jobs) {
                    Job s = tx.insertJob(job);
                    tx.appendEvent(JobEvents.queued(s));
                    out.add(s);
                }
                return out;
            });
            jobs.forEach(active::enqueue);
        }
        dispatcher.runHere(); // on this thread: no wait for the dispatcher's to be scheduled
        jobs.forEach(job -> metrics.jobSubmitted(job.spec().type()));
        stored.exceptionally(e -> {
            log.error("{} could not be stored", jobs.size() == 1 ? "job " + jobs.get(0).id() : jobs.size() + " jobs", e);
            synchronized (lock) {
                jobs.forEach(job -> active.forget(job.id()));
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

    /**
     * Cancels the job; {@code by} names who asked (a token's name), or null when unknown. A queued job is cancelled
     * only if it is still queued in the store (several servers: another may have claimed it meanwhile); when the
     * claim won, or the job runs on an agent of another server, the cancel is recorded for that server, which
     * carries it out ({@link SharedCancels}), and the job is answered as stored.
     */
    public CompletableFuture<Job> cancel(String jobId, String by) {
        synchronized (lock) {
            ActiveJob aj = active.get(jobId);
            if (aj == null) aj = heldElsewhere(jobId);
            if (aj == null) return requestCancel(jobId, by);
            var decision = JobTransitions.cancel(aj.job, aj.attempt, by, Instant.now());
            if (aj.job.status() != JobStatus.QUEUED) return leave(aj, decision);
            return ledger.claim(aj, decision).exceptionallyCompose(e -> e instanceof JobLedger.ClaimLost
                    || e.getCause() instanceof JobLedger.ClaimLost ? requestCancel(jobId, by) : CompletableFuture.failedFuture(e));
        }
    }

    /**
     * Records the cancel of a job this server does not run, for the server whose agent runs it (it looks every
     * second). Answers the job as stored once recorded; a job that finished meanwhile is answered as it ended if
     * cancelled, else it cannot be cancelled (409).
     */
    private CompletableFuture<Job> requestCancel(String jobId, String by) {
        var request = new CancelRequest(jobId, by, Instant.now());
        // the stored job is read off the writer's thread: a read there would hold up every write behind it
        return store.write(tx -> tx.requestCancel(request)).thenApplyAsync(recorded -> {
            Job now = store.job(jobId).orElseThrow(() -> notFound(jobId));
            if (!recorded && now.status() != JobStatus.CANCELLED) {
                throw new IllegalTransitionException("job " + jobId + " is " + now.status().wireName()
                        + "; only queued or running jobs can be cancelled");
            }
            return now;
        });
    }

    /**
     * Whether a cancel asked of another server is this one's to carry out: it holds the job on an agent connected
     * here, or queued (then the cancel is conditional, as any queued cancel).
     */
    public boolean cancelsHere(String jobId) {
        synchronized (lock) {
            ActiveJob aj = active.get(jobId);
            if (aj == null) return false;
            return aj.job.status() == JobStatus.QUEUED
                    || aj.job.status().isOnAgent() && fleet.connectionOf(aj.job.agentId()) != null;
        }
    }

    /**
     * Stops a service ({@code by} as for {@link #cancel}): queued, it is stopped at once; on an agent, the agent gets
     * the same message as a cancel (SIGTERM to the whole tree, the job's grace, SIGKILL) and the end it reports makes
     * the service stopped. Its agent slot stays taken until then.
     */
    public CompletableFuture<Job> stop(String jobId, String by) {
        synchronized (lock) {
            ActiveJob aj = active.get(jobId);
            if (aj == null) {
                Job stored = store.job(jobId).orElseThrow(() -> notFound(jobId));
                JobTransitions.stop(stored, null, by, Instant.now()); // finished, or not a service: says which (409)
                throw new IllegalStateException("job " + jobId + " is " + stored.status().wireName() + " but not active");
            }
            return leave(aj, JobTransitions.stop(aj.job, aj.attempt, by, Instant.now()));
        }
    }

    /** Under the lock: applies a cancel's or stop's decision and, when the job is on an agent, tells the agent. */
    private CompletableFuture<Job> leave(ActiveJob aj, JobTransitions.Decision decision) {
        if (decision == null) return CompletableFuture.completedFuture(aj.job);
        if (!decision.job().status().isOnAgent()) return ledger.apply(aj, decision);
        var cancel = new ServerMessage.Cancel(aj.id(), aj.attempt.number(), aj.job.spec().cancelGraceSeconds());
        AgentConnection agent = fleet.connectionOf(aj.job.agentId());
        return ledger.apply(aj, decision).thenApply(j -> {
            if (agent != null) agent.send(cancel);
            return j;
        });
    }

    /**
     * A job this server does not hold. Several servers on one database: one queued in the database (submitted to
     * another server, not yet seen here) is taken in and can be cancelled here; one on an agent of another server
     * is cancelled there (null: the caller records the request). Otherwise it is finished.
     */
    private ActiveJob heldElsewhere(String jobId) {
        Job stored = store.job(jobId).orElseThrow(() -> notFound(jobId));
        if (stored.status() == JobStatus.QUEUED) {
            var aj = ActiveJob.fromStore(stored, store);
            active.add(aj);
            active.enqueue(stored);
            return aj;
        }
        JobStatus status = stored.status();
        if (status == JobStatus.ASSIGNED || status == JobStatus.RUNNING || status == JobStatus.CANCELLING) return null;
        throw new IllegalTransitionException("job " + jobId + " is " + stored.status().wireName()
                + "; only queued or running jobs can be cancelled");
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
            case AgentMessage.JobReady m -> reports.ready(agentId, m);
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
