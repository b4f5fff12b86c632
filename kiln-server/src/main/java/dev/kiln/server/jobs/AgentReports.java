package dev.kiln.server.jobs;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.SecretMasker;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.fleet.AgentConnection;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.logs.LogListener;
import dev.kiln.server.scheduler.DurationStats;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What agents report about the jobs they run: started, log chunks, outputs, custom events, finished. Log chunks are
 * stored in order and acknowledged once durable; duplicates (a resend after a reconnect) are acknowledged and
 * dropped; a gap waits for the agent's in-order resend. A finish is applied only once every chunk before it is
 * stored. Reports about a job or attempt that is no longer the agent's are ignored. The agent masks the job's
 * secrets; the server masks again what it is told, as a last line of defence against an agent that did not.
 */
public final class AgentReports {
    private final EngineLock lock;
    private final ActiveJobs active;
    private final FleetRegistry fleet;
    private final JobLedger ledger;
    private final Store store;
    private final DurationStats durations;
    private final LogListener lines;
    private final Runnable wakeDispatcher;
    private final KilnMetrics metrics;

    public AgentReports(EngineLock lock, ActiveJobs active, FleetRegistry fleet, JobLedger ledger, Store store,
                 DurationStats durations, LogListener lines, Runnable wakeDispatcher, KilnMetrics metrics) {
        this.metrics = metrics;
        this.lock = lock;
        this.active = active;
        this.fleet = fleet;
        this.ledger = ledger;
        this.store = store;
        this.durations = durations;
        this.lines = lines;
        this.wakeDispatcher = wakeDispatcher;
    }

    void started(String agentId, AgentMessage.JobStarted m) {
        synchronized (lock) {
            fleet.touch(agentId);
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null || aj.attempt.startedAt() != null) return;
            ledger.apply(aj, JobTransitions.started(aj.job, aj.attempt, m.pid(), m.timestampNs(), m.commit(), Instant.now()));
        }
    }

    void log(String agentId, AgentMessage.Log m) {
        synchronized (lock) {
            AgentSession agent = fleet.touch(agentId);
            AgentConnection conn = agent == null ? null : agent.connection();
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null) {
                // finished or moved on: the chunk is a resend of something settled; let the agent forget it
                ack(conn, m.jobId(), m.attempt(), m.seq());
                return;
            }
            long stored = aj.attempt.logSeq();
            if (m.seq() <= stored) {
                ack(conn, m.jobId(), m.attempt(), stored);
                return;
            }
            if (m.seq() != stored + 1) return; // a gap: the agent resends in order after its next ack
            long first = aj.attempt.lineCount() + 1;
            List<LogLine> chunk = masked(aj.masker, m.lines());
            aj.attempt = aj.attempt.withLog(m.seq(), aj.attempt.lineCount() + chunk.size());
            Attempt attempt = aj.attempt;
            store.write(tx -> {
                tx.appendLogChunk(m.jobId(), m.attempt(), first, chunk);
                tx.updateAttempt(attempt);
                return null;
            }).thenRun(() -> {
                ack(conn, m.jobId(), m.attempt(), m.seq());
                lines.onLines(m.jobId(), m.attempt(), first, chunk);
                countIngested(chunk);
            });
            if (aj.pendingFinish != null && aj.pendingFinish.lastSeq() <= m.seq()) {
                var finish = aj.pendingFinish;
                aj.pendingFinish = null;
                finish(aj, finish, agent);
            }
        }
    }

    void finished(String agentId, AgentMessage.JobFinished m) {
        synchronized (lock) {
            AgentSession agent = fleet.touch(agentId);
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null || aj.attempt.finishedAt() != null) {
                ack(agent == null ? null : agent.connection(), m.jobId(), m.attempt(), m.lastSeq());
                return;
            }
            // the final status is recorded only once every chunk of the log is stored
            if (m.lastSeq() > aj.attempt.logSeq()) {
                aj.pendingFinish = m;
                return;
            }
            finish(aj, m, agent);
        }
    }

    void event(String agentId, AgentMessage.JobEvent m) {
        synchronized (lock) {
            fleet.touch(agentId);
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null) return;
            var event = JobEvents.custom(m.jobId(), m.attempt(), aj.masker.mask(m.kind()), m.timestampNs(),
                    aj.masker.maskJsonObject(m.data()));
            store.write(tx -> tx.appendEvent(event));
        }
    }

    void output(String agentId, AgentMessage.JobOutput m) {
        synchronized (lock) {
            fleet.touch(agentId);
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null) return;
            String key = aj.masker.mask(m.key());
            String value = aj.masker.mask(m.value());
            Job job = aj.job.withOutput(key, value, Instant.now());
            aj.job = job;
            store.write(tx -> {
                tx.updateJob(job);
                tx.appendEvent(JobEvents.output(job.id(), m.attempt(), key, value));
                return null;
            });
        }
    }

    /** A service's readiness held on its agent: it is no longer starting. */
    void ready(String agentId, AgentMessage.JobReady m) {
        synchronized (lock) {
            fleet.touch(agentId);
            ActiveJob aj = current(agentId, m.jobId(), m.attempt());
            if (aj == null) return;
            // what held, in the agent's words: masked, and kept short (it becomes a log line and an event)
            String how = aj.masker.mask(m.how() == null ? "ready" : m.how());
            if (how.length() > 200) how = how.substring(0, 199) + "…";
            var decision = JobTransitions.ready(aj.job, aj.attempt, how, Instant.now());
            if (decision != null) ledger.apply(aj, decision);
        }
    }

    /** Under the lock: the attempt ended and its whole log is stored. */
    private void finish(ActiveJob aj, AgentMessage.JobFinished reported, AgentSession agent) {
        var m = new AgentMessage.JobFinished(reported.jobId(), reported.attempt(), reported.exitCode(), reported.signal(),
                reported.reason(), aj.masker.mask(reported.error()), reported.lastSeq(), reported.timestampNs());
        var decision = JobTransitions.attemptEnded(aj.job, aj.attempt, m, Instant.now(), Jitter.draw());
        if (agent != null) agent.activeJobs().remove(aj.id());
        Job ended = decision.job();
        if (decision.attempt().status() == JobStatus.SUCCEEDED && ended.startedAt() != null) {
            durations.record(DurationStats.Kind.of(ended.spec()), Duration.between(ended.startedAt(), decision.attempt().finishedAt()).toMillis());
        }
        AgentConnection conn = agent == null ? null : agent.connection();
        ledger.apply(aj, decision).thenRun(() -> ack(conn, m.jobId(), m.attempt(), m.lastSeq()));
        wakeDispatcher.run();
    }

    /** After the commit, off the lock and the writer: the lines are stored. */
    private void countIngested(List<LogLine> chunk) {
        long bytes = 0;
        for (LogLine l : chunk) bytes += KilnMetrics.utf8Length(l.text());
        metrics.logIngested(chunk.size(), bytes);
    }

    private static List<LogLine> masked(SecretMasker masker, List<LogLine> lines) {
        if (masker.isEmpty()) return lines;
        return lines.stream().map(l -> new LogLine(l.timestampNs(), l.stream(), masker.mask(l.text()))).toList();
    }

    /** The job and attempt the agent reports on, if they are still this agent's current ones. */
    private ActiveJob current(String agentId, String jobId, int attempt) {
        ActiveJob aj = active.get(jobId);
        if (aj == null || aj.job.attempt() != attempt || !agentId.equals(aj.job.agentId()) || aj.attempt == null) return null;
        return aj;
    }

    private static void ack(AgentConnection conn, String jobId, int attempt, long seq) {
        if (conn != null) conn.send(new ServerMessage.Ack(jobId, attempt, seq));
    }
}
