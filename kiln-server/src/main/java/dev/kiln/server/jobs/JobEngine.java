package dev.kiln.server.jobs;

import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Attempt;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.fleet.AgentConnection;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.AgentState;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.logs.LogListener;
import dev.kiln.server.scheduler.Dispatcher;
import dev.kiln.server.scheduler.JobQueue;
import dev.kiln.server.scheduler.Scheduler;
import dev.kiln.server.scheduler.WaitingReason;
import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreTx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of Kiln: submits, cancels and re-runs jobs, feeds the scheduler, and turns what agents report into job
 * transitions. Every change happens under one lock and is handed to the store in the same order, so the database
 * sees transitions in the order they were decided; callers wait for durability outside the lock.
 */
public final class JobEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobEngine.class);

    /** Tunables. {@code agentLostAfter}: how long a disconnected agent's jobs wait for it before they are lost. */
    public record Config(Duration agentLostAfter, Duration heartbeatTimeout) {
        public static Config defaults() {
            return new Config(Duration.ofSeconds(15), Duration.ofSeconds(15));
        }
    }

    private final Object lock = new Object();
    private final Store store;
    private final Config config;
    private final Fleet fleet = new Fleet();
    private final JobQueue queue = new JobQueue();
    private final Map<String, ActiveJob> active = new HashMap<>();
    private final Map<String, Long> submitOrder = new HashMap<>();
    private long lastOrder;
    private final Dispatcher dispatcher = new Dispatcher(this::dispatch);
    private final DurationStats durations;
    private final List<LogListener> logListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        var t = new Thread(r, "kiln-engine-timers");
        t.setDaemon(true);
        return t;
    });

    public JobEngine(Store store, Config config) {
        this.store = store;
        this.config = config;
        this.durations = new DurationStats(store);
        long period = Math.max(200, config.heartbeatTimeout().toMillis() / 3);
        timers.scheduleWithFixedDelay(this::checkHeartbeats, period, period, TimeUnit.MILLISECONDS);
    }

    public void addLogListener(LogListener listener) {
        logListeners.add(listener);
    }

    // ---------------------------------------------------------------- start-up

    /**
     * Picks up where the last server left off. Queued jobs queue again. Jobs that were on the embedded agent died
     * with the server: they are lost (and retried if their policy says so). Jobs on remote agents wait for their
     * agent to come back.
     */
    public void recover(String embeddedAgentId) {
        List<Job> jobs = store.activeJobs();
        Instant now = Instant.now();
        var writes = new ArrayList<Consumer<StoreTx>>();
        synchronized (lock) {
            for (AgentRecord a : store.agents()) {
                fleet.remember(new AgentSession(a.id(), a.name(), a.labels(), a.capacity(), a.version(),
                        a.state().equals("disabled") ? AgentState.DISABLED : AgentState.OFFLINE, a.lastSeen()));
            }
            for (Job job : jobs) {
                Map<String, String> secrets = job.spec().secrets().isEmpty() ? Map.of() : store.secrets(job.id());
                Attempt attempt = job.attempt() > 0 ? store.attempt(job.id(), job.attempt()).orElse(null) : null;
                var aj = new ActiveJob(job, attempt, secrets);
                active.put(job.id(), aj);
                if (job.status() == JobStatus.QUEUED) {
                    queue.add(entryFor(job));
                } else if (embeddedAgentId != null && embeddedAgentId.equals(job.agentId())) {
                    writes.add(agentGone(aj, "the server stopped while the job ran on its embedded agent", now));
                } else {
                    AgentSession agent = fleet.get(job.agentId());
                    if (agent != null) agent.activeJobs().add(job.id());
                    scheduleLostCheck(job.agentId());
                }
            }
            writes.forEach(w -> store.write(tx -> {
                w.accept(tx);
                return null;
            }));
        }
        log.info("recovered {} unfinished jobs ({} queued)", jobs.size(), queue.size());
        dispatcher.wake();
    }

    // ---------------------------------------------------------------- API side

    public CompletableFuture<Job> submit(JobSpec spec, String rerunOf) {
        Job job = Job.newlySubmitted(JobIds.next(), spec, rerunOf, Instant.now());
        CompletableFuture<Job> stored;
        synchronized (lock) {
            active.put(job.id(), new ActiveJob(job, null, spec.secrets()));
            stored = store.write(tx -> {
                Job s = tx.insertJob(job);
                tx.appendEvent(Event.draft(job.id(), "job.queued", eventData(
                        "name", spec.name(), "type", spec.type(), "priority", spec.priority(),
                        "rerun_of", rerunOf, "requirements", spec.requirements())));
                return s;
            });
            queue.add(entryFor(job));
        }
        dispatcher.wake();
        stored.exceptionally(e -> {
            log.error("job {} could not be stored", job.id(), e);
            synchronized (lock) {
                queue.remove(job.id());
                forget(job.id());
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
        Instant now = Instant.now();
        synchronized (lock) {
            ActiveJob aj = active.get(jobId);
            if (aj == null) {
                Job stored = store.job(jobId).orElseThrow(() -> notFound(jobId));
                throw new IllegalTransitionException("job " + jobId + " is " + stored.status().wireName()
                        + "; only queued or running jobs can be cancelled");
            }
            Job job = aj.job;
            switch (job.status()) {
                case QUEUED -> {
                    queue.remove(jobId);
                    forget(jobId);
                    Job cancelled = job.finished(JobStatus.CANCELLED, null, "Cancelled by user", now);
                    aj.job = cancelled;
                    return store.write(tx -> {
                        tx.updateJob(cancelled);
                        tx.appendEvent(Event.draft(jobId, "job.cancelled", eventData("while", "queued")));
                        return cancelled;
                    });
                }
                case ASSIGNED, RUNNING, STOPPING -> {
                    Job cancelling = job.withStatus(JobStatus.CANCELLING, now);
                    aj.job = cancelling;
                    aj.attempt = aj.attempt.withStatus(JobStatus.CANCELLING);
                    var lines = systemLines(aj, "cancel requested by user");
                    Attempt attempt = aj.attempt;
                    int grace = job.spec().cancelGraceSeconds();
                    AgentSession agent = fleet.get(job.agentId());
                    return store.write(tx -> {
                        tx.updateJob(cancelling);
                        writeLines(tx, attempt, lines);
                        tx.updateAttempt(attempt);
                        tx.appendEvent(Event.draft(jobId, "job.cancelling", eventData("attempt", attempt.number())));
                        return cancelling;
                    }).thenApply(j -> {
                        notifyLines(attempt, lines);
                        if (agent != null && agent.connection() != null) {
                            agent.connection().send(new ServerMessage.Cancel(jobId, attempt.number(), grace));
                        }
                        return j;
                    });
                }
                case CANCELLING -> {
                    return CompletableFuture.completedFuture(job);
                }
                default -> throw new IllegalTransitionException(jobId, job.status(), JobStatus.CANCELLED);
            }
        }
    }

    /** Where a queued job stands; null if the job is not queued. */
    public QueueInfo queueInfo(String jobId) {
        JobQueue.Entry entry;
        int position, total;
        WaitingReason reason;
        int matchingCapacity;
        synchronized (lock) {
            entry = queue.get(jobId);
            if (entry == null) return null;
            position = queue.position(entry);
            total = queue.size();
            reason = Scheduler.reasonFor(entry, queue, fleet.all());
            matchingCapacity = fleet.all().stream().filter(a -> a.state() == AgentState.ONLINE)
                    .filter(a -> Scheduler.canRun(entry.needs(), a)).mapToInt(AgentSession::capacity).sum();
        }
        Long eta = durations.estimateWaitSeconds(entry.type(), queueAheadForEta(entry), matchingCapacity);
        return new QueueInfo(position, total, reason, eta);
    }

    private int queueAheadForEta(JobQueue.Entry entry) {
        synchronized (lock) {
            return queue.aheadInGroup(entry);
        }
    }

    public QueueSummary queueSummary(int headSize) {
        synchronized (lock) {
            var byArch = new LinkedHashMap<String, Integer>();
            var byLabel = new LinkedHashMap<String, Integer>();
            queue.groupSizes().forEach((needs, n) -> {
                byArch.merge(needs.requirements().getOrDefault("arch", "any"), n, Integer::sum);
                needs.requirements().forEach((k, v) -> byLabel.merge(k + "=" + v, n, Integer::sum));
            });
            int running = 0, assigned = 0;
            for (var aj : active.values()) {
                if (aj.job.status() == JobStatus.RUNNING) running++;
                else if (aj.job.status().isOnAgent()) assigned++;
            }
            var head = new ArrayList<QueueSummary.Queued>();
            int pos = 1;
            for (var e : queue.head(headSize)) {
                var aj = active.get(e.jobId());
                head.add(new QueueSummary.Queued(aj.job, pos++, Scheduler.reasonFor(e, queue, fleet.all())));
            }
            int capacity = 0, used = 0;
            for (var a : fleet.all()) {
                if (a.state() == AgentState.ONLINE) {
                    capacity += a.capacity();
                    used += a.activeJobs().size();
                }
            }
            return new QueueSummary(queue.size(), running, assigned, byArch, byLabel, capacity, used, head);
        }
    }

    public List<AgentSession.AgentView> agents() {
        synchronized (lock) {
            return fleet.all().stream().map(AgentSession::view).toList();
        }
    }

    public AgentSession.AgentView agent(String idOrName) {
        synchronized (lock) {
            AgentSession a = fleet.find(idOrName);
            if (a == null) throw new NotFoundException("no agent '" + idOrName + "'");
            return a.view();
        }
    }

    /** Operator actions: drain (finish running jobs, take no new ones), resume, disable. */
    public AgentSession.AgentView setAgentState(String idOrName, AgentState target) {
        AgentSession.AgentView view;
        synchronized (lock) {
            AgentSession a = fleet.find(idOrName);
            if (a == null) throw new NotFoundException("no agent '" + idOrName + "'");
            AgentState effective = target == AgentState.ONLINE && a.connection() == null ? AgentState.OFFLINE : target;
            if (a.state() != effective && !a.state().canMoveTo(effective)) {
                throw new IllegalTransitionException("agent " + a.name() + " is " + a.state().wireName()
                        + " and cannot become " + target.wireName());
            }
            a.setState(effective);
            view = a.view();
            var rec = record(a);
            store.write(tx -> {
                tx.upsertAgent(rec);
                tx.appendEvent(Event.draft(null, "agent." + effective.wireName(), eventData("agent_id", a.id(), "name", a.name())));
                return null;
            }).join();
        }
        dispatcher.wake();
        return view;
    }

    // ---------------------------------------------------------------- agent side

    public void agentConnected(AgentMessage.Hello hello, AgentConnection connection) {
        Instant now = Instant.now();
        synchronized (lock) {
            AgentSession agent = fleet.get(hello.agentId());
            if (agent == null) {
                agent = new AgentSession(hello.agentId(), hello.name(), hello.labels(), hello.capacity(),
                        hello.version(), AgentState.ONLINE, now);
                fleet.remember(agent);
            } else if (agent.connection() != null && agent.connection() != connection) {
                agent.connection().close(4409, "replaced by a newer connection of the same agent");
            }
            agent.connected(hello.name(), hello.labels(), hello.capacity(), hello.version(), connection, now);
            connection.send(new ServerMessage.Welcome(agent.id(), Math.max(1000, config.heartbeatTimeout().toMillis() / 3)));

            var reported = new HashMap<String, AgentMessage.RunningJob>();
            if (hello.running() != null) hello.running().forEach(r -> reported.put(r.jobId(), r));
            // Jobs we believe are on this agent but it does not run: it restarted and they died with it.
            for (String jobId : List.copyOf(agent.activeJobs())) {
                ActiveJob aj = active.get(jobId);
                var r = reported.get(jobId);
                if (aj == null || (r != null && r.attempt() == aj.job.attempt())) continue;
                agent.activeJobs().remove(jobId);
                var write = agentGone(aj, "agent " + agent.name() + " came back without the job", now);
                store.write(tx -> {
                    write.accept(tx);
                    return null;
                });
            }
            // Jobs it runs that we do not expect on it: stop them.
            for (var r : reported.values()) {
                ActiveJob aj = active.get(r.jobId());
                if (aj == null || aj.job.attempt() != r.attempt() || !hello.agentId().equals(aj.job.agentId())) {
                    connection.send(new ServerMessage.Cancel(r.jobId(), r.attempt(), 0));
                } else {
                    agent.activeJobs().add(r.jobId());
                    if (aj.attempt != null && r.lastAckedSeq() < aj.attempt.logSeq()) {
                        connection.send(new ServerMessage.Ack(r.jobId(), r.attempt(), aj.attempt.logSeq()));
                    }
                    if (aj.job.status() == JobStatus.CANCELLING) {
                        connection.send(new ServerMessage.Cancel(r.jobId(), r.attempt(), aj.job.spec().cancelGraceSeconds()));
                    }
                }
            }
            var rec = record(agent);
            store.write(tx -> {
                tx.upsertAgent(rec);
                tx.appendEvent(Event.draft(null, "agent.connected", eventData("agent_id", rec.id(), "name", rec.name(),
                        "capacity", rec.capacity(), "labels", rec.labels(), "version", rec.version())));
                return null;
            });
        }
        dispatcher.wake();
    }

    public void agentDisconnected(String agentId, AgentConnection connection) {
        synchronized (lock) {
            AgentSession agent = fleet.get(agentId);
            if (agent == null || agent.connection() != connection) return;
            agent.disconnected();
            var rec = record(agent);
            store.write(tx -> {
                tx.upsertAgent(rec);
                tx.appendEvent(Event.draft(null, "agent.disconnected", eventData("agent_id", rec.id(), "name", rec.name())));
                return null;
            });
            if (!agent.activeJobs().isEmpty()) scheduleLostCheck(agentId);
        }
    }

    public void agentMessage(String agentId, AgentMessage message) {
        switch (message) {
            case AgentMessage.Heartbeat hb -> {
                synchronized (lock) {
                    AgentSession a = fleet.get(agentId);
                    if (a == null) return;
                    a.heartbeat(hb.load(), hb.memoryUsedBytes(), hb.memoryTotalBytes(), Instant.now());
                    if (hb.draining() && a.drainSelf()) {
                        var rec = record(a);
                        store.write(tx -> {
                            tx.upsertAgent(rec);
                            tx.appendEvent(Event.draft(null, "agent.draining", eventData("agent_id", rec.id(),
                                    "name", rec.name(), "reason", "the agent is shutting down")));
                            return null;
                        });
                    }
                }
            }
            case AgentMessage.JobStarted started -> onStarted(agentId, started);
            case AgentMessage.Log chunk -> onLog(agentId, chunk);
            case AgentMessage.JobFinished finished -> onFinished(agentId, finished);
            case AgentMessage.JobEvent event -> onJobEvent(agentId, event);
            case AgentMessage.JobOutput output -> onOutput(agentId, output);
            case AgentMessage.Hello hello -> log.warn("agent {} sent a second hello; ignored", agentId);
        }
    }

    private ActiveJob current(String agentId, String jobId, int attempt) {
        ActiveJob aj = active.get(jobId);
        if (aj == null || aj.job.attempt() != attempt || !agentId.equals(aj.job.agentId()) || aj.attempt == null) return null;
        return aj;
    }

    private void onStarted(String agentId, AgentMessage.JobStarted m) {
        Instant now = Instant.now();
        synchronized (lock) {
            touch(agentId, now);
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null || aj.attempt.startedAt() != null) return;
            Job job = aj.job.started(now);
            Attempt attempt = aj.attempt.started(m.pid(), now);
            aj.job = job;
            aj.attempt = attempt;
            store.write(tx -> {
                tx.updateJob(job);
                tx.updateAttempt(attempt);
                tx.appendEvent(Event.draft(job.id(), "job.started", eventData("attempt", attempt.number(),
                        "agent_id", agentId, "pid", m.pid(), "process_started_ns", m.timestampNs())));
                return null;
            });
        }
    }

    private void onLog(String agentId, AgentMessage.Log m) {
        synchronized (lock) {
            AgentSession agent = touch(agentId, Instant.now());
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null) {
                // Finished or moved on: the chunk is a resend of something settled. Let the agent forget it.
                if (agent != null && agent.connection() != null) {
                    agent.connection().send(new ServerMessage.Ack(m.jobId(), m.attempt(), m.seq()));
                }
                return;
            }
            long stored = aj.attempt.logSeq();
            if (m.seq() <= stored) {
                agent.connection().send(new ServerMessage.Ack(m.jobId(), m.attempt(), stored));
                return;
            }
            if (m.seq() != stored + 1) return; // a gap: the agent resends in order after its next ack
            long first = aj.attempt.lineCount() + 1;
            List<LogLine> lines = m.lines();
            aj.attempt = aj.attempt.withLog(m.seq(), aj.attempt.lineCount() + lines.size());
            Attempt attempt = aj.attempt;
            AgentConnection conn = agent.connection();
            store.write(tx -> {
                tx.appendLogChunk(m.jobId(), m.attempt(), first, lines);
                tx.updateAttempt(attempt);
                return null;
            }).thenRun(() -> {
                if (conn != null) conn.send(new ServerMessage.Ack(m.jobId(), m.attempt(), m.seq()));
                for (var l : logListeners) l.onLines(m.jobId(), m.attempt(), first, lines);
            });
            if (aj.pendingFinish != null && aj.pendingFinish.lastSeq() <= m.seq()) {
                var finish = aj.pendingFinish;
                aj.pendingFinish = null;
                finish(aj, finish, agent);
            }
        }
    }

    private void onFinished(String agentId, AgentMessage.JobFinished m) {
        synchronized (lock) {
            AgentSession agent = touch(agentId, Instant.now());
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null || aj.attempt.finishedAt() != null) {
                if (agent != null && agent.connection() != null) {
                    agent.connection().send(new ServerMessage.Ack(m.jobId(), m.attempt(), m.lastSeq()));
                }
                return;
            }
            // The final status is recorded only once every chunk of the log is stored.
            if (m.lastSeq() > aj.attempt.logSeq()) {
                aj.pendingFinish = m;
                return;
            }
            finish(aj, m, agent);
        }
    }

    /** Under the lock: the attempt ended; decide the job's status and whether it gets another attempt. */
    private void finish(ActiveJob aj, AgentMessage.JobFinished m, AgentSession agent) {
        Instant now = Instant.now();
        Job job = aj.job;
        JobStatus terminal;
        String error = m.error();
        RetryPolicy.Outcome outcome;
        if (job.status() == JobStatus.CANCELLING) {
            terminal = JobStatus.CANCELLED;
            error = "Cancelled by user";
            outcome = null;
        } else if (job.status() == JobStatus.STOPPING) {
            terminal = JobStatus.STOPPED;
            outcome = null;
        } else {
            switch (m.reason()) {
                case EXITED -> {
                    int code = m.exitCode() == null ? -1 : m.exitCode();
                    // exit 0 with an error: the job ran but Kiln could not finish its part (artifact upload)
                    terminal = code == 0 && error == null ? JobStatus.SUCCEEDED : JobStatus.FAILED;
                    if (code != 0 && error == null) {
                        error = m.signal() != null ? "killed by signal " + m.signal() : "exit code " + code;
                    }
                    outcome = new RetryPolicy.Outcome.Exited(code);
                }
                case TIMED_OUT -> {
                    terminal = JobStatus.TIMED_OUT;
                    if (error == null) error = "timed out after " + job.spec().timeoutSeconds() + " s";
                    outcome = new RetryPolicy.Outcome.TimedOut();
                }
                case CANCELLED -> {
                    terminal = JobStatus.CANCELLED;
                    if (error == null) error = "Cancelled";
                    outcome = null;
                }
                default -> {
                    terminal = JobStatus.FAILED;
                    if (error == null) error = "the job could not be started";
                    outcome = new RetryPolicy.Outcome.FailedToStart();
                }
            }
        }
        Job ended = job.finished(terminal, m.exitCode(), error, now);
        Attempt attemptEnded = aj.attempt.finished(terminal, m.exitCode(), m.signal(), error, now);
        boolean retry = outcome != null && job.spec().retry().shouldRetry(attemptEnded.number(), outcome);
        Job next = retry ? ended.requeued(now) : ended;
        aj.job = next;
        aj.attempt = attemptEnded;
        if (agent != null) agent.activeJobs().remove(job.id());
        if (retry) queue.add(entryFor(next));
        else forget(job.id());
        if (terminal == JobStatus.SUCCEEDED && ended.startedAt() != null) {
            durations.record(job.spec().type(), Duration.between(ended.startedAt(), now).toMillis());
        }
        final String why = error;
        AgentConnection conn = agent == null ? null : agent.connection();
        store.write(tx -> {
            tx.updateAttempt(attemptEnded);
            tx.updateJob(next);
            tx.appendEvent(Event.draft(next.id(), "job.finished", eventData("attempt", attemptEnded.number(),
                    "status", terminal.wireName(), "exit_code", m.exitCode(), "signal", m.signal(), "error", why,
                    "duration_ms", ended.startedAt() == null ? null
                            : Duration.between(ended.startedAt(), now).toMillis())));
            if (retry) {
                tx.appendEvent(Event.draft(next.id(), "job.retrying", eventData("attempt", attemptEnded.number(),
                        "next_attempt", attemptEnded.number() + 1, "reason", terminal.wireName())));
            }
            return null;
        }).thenRun(() -> {
            if (conn != null) conn.send(new ServerMessage.Ack(m.jobId(), m.attempt(), m.lastSeq()));
        });
        dispatcher.wake();
    }

    private void onJobEvent(String agentId, AgentMessage.JobEvent m) {
        synchronized (lock) {
            touch(agentId, Instant.now());
            if (current(agentId, m.jobId(), m.attempt()) == null) return;
            var data = new LinkedHashMap<String, Object>(m.data());
            data.put("attempt", m.attempt());
            var event = new Event(0, m.jobId(), m.kind(), m.timestampNs() > 0 ? m.timestampNs() : Clock.nowNs(), data);
            store.write(tx -> tx.appendEvent(event));
        }
    }

    private void onOutput(String agentId, AgentMessage.JobOutput m) {
        synchronized (lock) {
            touch(agentId, Instant.now());
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null) return;
            Job job = aj.job.withOutput(m.key(), m.value(), Instant.now());
            aj.job = job;
            store.write(tx -> {
                tx.updateJob(job);
                tx.appendEvent(Event.draft(job.id(), "job.output", eventData("attempt", m.attempt(), "key", m.key(),
                        "value", m.value())));
                return null;
            });
        }
    }

    // ---------------------------------------------------------------- dispatch

    private void dispatch() {
        synchronized (lock) {
            Instant now = Instant.now();
            Scheduler.Assignment next;
            while ((next = Scheduler.next(queue, fleet.all())) != null) {
                var entry = next.entry();
                AgentSession agent = next.agent();
                queue.remove(entry.jobId());
                ActiveJob aj = active.get(entry.jobId());
                if (aj == null || aj.job.status() != JobStatus.QUEUED) continue;
                Job job = aj.job.assigned(agent.id(), now);
                Attempt attempt = Attempt.assigned(job.id(), job.attempt(), agent.id(), now);
                aj.job = job;
                aj.attempt = attempt;
                aj.pendingFinish = null;
                agent.activeJobs().add(job.id());
                var lines = systemLines(aj, "assigned to agent " + agent.name() + " (attempt " + attempt.number() + ")");
                Attempt withLines = aj.attempt;
                AgentConnection conn = agent.connection();
                store.write(tx -> {
                    tx.updateJob(job);
                    tx.insertAttempt(withLines);
                    writeLines(tx, withLines, lines);
                    tx.appendEvent(Event.draft(job.id(), "job.assigned", eventData("attempt", attempt.number(),
                            "agent_id", agent.id(), "agent_name", agent.name())));
                    return null;
                }).thenRun(() -> notifyLines(withLines, lines));
                // Sent without waiting for the commit: the single writer is FIFO, so whatever the agent reports next
                // is stored after this assignment. If the server dies before the commit, the job is still queued on
                // restart and the agent's hello names a job it should not run, which the server then cancels.
                conn.send(new ServerMessage.Assign(toAssignment(job, attempt.number(), aj.secrets)));
            }
        }
    }

    private static JobAssignment toAssignment(Job job, int attempt, Map<String, String> secrets) {
        JobSpec s = job.spec();
        return new JobAssignment(job.id(), attempt, s.command(), s.sourceRepository(), s.branch(), s.commitHash(),
                s.env(), secrets, s.timeoutSeconds(), s.cancelGraceSeconds(), s.artifacts());
    }

    // ---------------------------------------------------------------- agent loss

    private void scheduleLostCheck(String agentId) {
        timers.schedule(() -> loseJobsOf(agentId), config.agentLostAfter().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void loseJobsOf(String agentId) {
        Instant now = Instant.now();
        synchronized (lock) {
            AgentSession agent = fleet.get(agentId);
            if (agent != null && agent.connection() != null) return; // it came back
            for (var aj : List.copyOf(active.values())) {
                if (!agentId.equals(aj.job.agentId()) || !aj.job.status().isOnAgent()) continue;
                if (agent != null) agent.activeJobs().remove(aj.id());
                var write = agentGone(aj, "agent " + (agent == null ? agentId : agent.name())
                        + " did not come back within " + config.agentLostAfter().toSeconds() + " s", now);
                store.write(tx -> {
                    write.accept(tx);
                    return null;
                });
            }
        }
        dispatcher.wake();
    }

    private void checkHeartbeats() {
        Instant cutoff = Instant.now().minus(config.heartbeatTimeout());
        List<AgentConnection> silent = new ArrayList<>();
        synchronized (lock) {
            for (var a : fleet.all()) {
                if (a.connection() != null && a.lastSeen() != null && a.lastSeen().isBefore(cutoff)) {
                    silent.add(a.connection());
                }
            }
        }
        // Closing makes the connection's close handler mark the agent offline, the one path for both cases.
        silent.forEach(c -> c.close(4408, "no heartbeat within " + config.heartbeatTimeout().toSeconds() + " s"));
    }

    /**
     * Under the lock: the job's agent is gone. A cancelling job is cancelled; otherwise the attempt is lost and the
     * retry policy decides. Returns the writes to commit.
     */
    private Consumer<StoreTx> agentGone(ActiveJob aj, String why, Instant now) {
        Job job = aj.job;
        if (job.status() == JobStatus.CANCELLING) {
            Job cancelled = job.finished(JobStatus.CANCELLED, null, "Cancelled by user", now);
            Attempt attempt = aj.attempt == null ? null : aj.attempt.finished(JobStatus.CANCELLED, null, null, why, now);
            forget(job.id());
            return tx -> {
                if (attempt != null) tx.updateAttempt(attempt);
                tx.updateJob(cancelled);
                tx.appendEvent(Event.draft(job.id(), "job.finished", eventData("status", "cancelled", "error", why)));
            };
        }
        boolean neverStarted = job.status() == JobStatus.ASSIGNED;
        Job lost = job.finished(JobStatus.LOST, null, why, now);
        var lines = aj.attempt == null ? List.<LogLine>of() : systemLines(aj, "attempt lost: " + why);
        Attempt attempt = aj.attempt == null ? null : aj.attempt.finished(JobStatus.LOST, null, null, why, now);
        // A job that never started has no side effects: it goes back to the queue whatever its policy.
        boolean retry = neverStarted || job.spec().retry().shouldRetry(job.attempt(), new RetryPolicy.Outcome.AgentLost());
        Job next = retry ? lost.requeued(now) : lost;
        aj.job = next;
        aj.attempt = attempt;
        if (retry) queue.add(entryFor(next));
        else forget(job.id());
        return tx -> {
            if (attempt != null) {
                writeLines(tx, attempt, lines);
                tx.updateAttempt(attempt);
            }
            tx.updateJob(next);
            tx.appendEvent(Event.draft(job.id(), "job.lost", eventData("attempt", job.attempt(), "agent_id",
                    job.agentId(), "error", why)));
            if (retry) {
                tx.appendEvent(Event.draft(job.id(), "job.retrying", eventData("attempt", job.attempt(),
                        "next_attempt", job.attempt() + 1, "reason", "agent_lost")));
            }
        };
    }

    // ---------------------------------------------------------------- helpers

    /** Under the lock: SYSTEM lines the server itself adds to the current attempt's log. */
    private List<LogLine> systemLines(ActiveJob aj, String text) {
        var lines = List.of(new LogLine(Clock.nowNs(), LogStream.SYSTEM, "[kiln] " + text));
        aj.attempt = aj.attempt.withLog(aj.attempt.logSeq(), aj.attempt.lineCount() + lines.size());
        return lines;
    }

    private static void writeLines(StoreTx tx, Attempt after, List<LogLine> lines) {
        tx.appendLogChunk(after.jobId(), after.number(), after.lineCount() - lines.size() + 1, lines);
    }

    private void notifyLines(Attempt after, List<LogLine> lines) {
        for (var l : logListeners) l.onLines(after.jobId(), after.number(), after.lineCount() - lines.size() + 1, lines);
    }

    private void forget(String jobId) {
        active.remove(jobId);
        submitOrder.remove(jobId);
    }

    private AgentSession touch(String agentId, Instant now) {
        AgentSession a = fleet.get(agentId);
        if (a != null) a.seen(now);
        return a;
    }

    /** Under the lock: the job's place in the queue. Submission order is kept by a counter, not the clock. */
    private JobQueue.Entry entryFor(Job job) {
        long order = submitOrder.computeIfAbsent(job.id(), id -> job.seq() > 0 ? job.seq() : ++lastOrder);
        lastOrder = Math.max(lastOrder, order);
        return new JobQueue.Entry(job.id(), job.spec().priority(), order,
                new JobQueue.Needs(job.spec().requirements(), job.spec().pinnedAgent()), job.spec().type());
    }

    private static AgentRecord record(AgentSession a) {
        return new AgentRecord(a.id(), a.name(), a.labels(), a.capacity(), a.version(), a.state().wireName(),
                a.lastSeen() == null ? Instant.now() : a.lastSeen(), a.lastSeen() == null ? Instant.now() : a.lastSeen());
    }

    private static NotFoundException notFound(String jobId) {
        return new NotFoundException("no job with id '" + jobId + "'");
    }

    /** Event data from key/value pairs, nulls left out. */
    static Map<String, Object> eventData(Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Every unfinished job as the engine holds it now. */
    public List<Job> activeJobsSnapshot() {
        synchronized (lock) {
            return active.values().stream().map(aj -> aj.job).toList();
        }
    }

    public Set<String> activeJobIds() {
        synchronized (lock) {
            return Set.copyOf(active.keySet());
        }
    }

    @Override
    public void close() {
        dispatcher.close();
        timers.shutdownNow();
    }
}
