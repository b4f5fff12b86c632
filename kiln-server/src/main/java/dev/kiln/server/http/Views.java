package dev.kiln.server.http;

import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.Release;
import dev.kiln.server.scheduler.QueueInfo;
import dev.kiln.server.logs.NumberedLine;
import dev.kiln.server.scheduler.WaitingReason;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What the API shows: the JSON shapes of jobs, attempts, events, log lines and agents. */
final class Views {
    private Views() {}

    static Map<String, Object> job(Job j, Function<String, String> agentName) {
        var m = new LinkedHashMap<String, Object>();
        JobSpec s = j.spec();
        m.put("id", j.id());
        m.put("short_id", j.shortId());
        m.put("name", s.name());
        m.put("type", s.type());
        m.put("status", j.status().wireName());
        m.put("priority", s.priority());
        m.put("command", s.command());
        m.put("source_repository", s.sourceRepository());
        m.put("branch", s.branch());
        m.put("commit_hash", s.commitHash());
        m.put("target_architecture", s.targetArchitecture());
        m.put("server_id", j.agentId());
        m.put("agent_name", j.agentId() == null ? null : agentName.apply(j.agentId()));
        m.put("labels", s.requirements());
        m.put("attempt", j.attempt());
        m.put("exit_code", j.exitCode());
        m.put("error_message", j.error());
        m.put("rerun_of", j.rerunOf());
        m.put("applies", s.applies());
        m.put("created_at", j.createdAt());
        m.put("updated_at", j.updatedAt());
        m.put("queued_at", j.queuedAt());
        m.put("started_at", j.startedAt());
        m.put("completed_at", j.finishedAt());
        m.put("duration_seconds", seconds(j.startedAt(), j.finishedAt()));
        m.put("outputs", j.outputs());
        m.put("service", s.service());
        m.put("starting", j.starting());
        m.put("ready_at", j.readyAt());
        return m;
    }

    /**
     * What followed a job: the jobs applying it, the releases made of it; and for its request snapshot the commit its
     * latest attempt checked out (null without a repository, or before it started).
     */
    record FollowUps(List<String> appliedBy, List<Release> releases, String checkedOutCommit) {}

    static Map<String, Object> jobDetail(Job j, List<Attempt> attempts, Function<String, String> agentName,
                                         FollowUps followUps) {
        var m = job(j, agentName);
        m.put("config", spec(j.spec().snapshot()));
        m.put("attempts", attempts.stream().map(a -> attempt(a, agentName)).toList());
        m.put("checked_out_commit", followUps.checkedOutCommit());
        m.put("applied_by", followUps.appliedBy());
        m.put("releases", followUps.releases().stream().map(r -> Map.of("name", r.name(), "version", r.version(),
                "manifest_sha256", r.manifestSha256())).toList());
        return m;
    }

    static Map<String, Object> status(Job j, QueueInfo queue, Function<String, String> agentName) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", j.id());
        m.put("status", j.status().wireName());
        m.put("server_id", j.agentId());
        m.put("agent_name", j.agentId() == null ? null : agentName.apply(j.agentId()));
        m.put("attempt", j.attempt());
        m.put("started_at", j.startedAt());
        m.put("completed_at", j.finishedAt());
        m.put("duration_seconds", seconds(j.startedAt(), j.finishedAt()));
        m.put("exit_code", j.exitCode());
        m.put("error_message", j.error());
        m.put("queue_info", queue == null ? null : queueInfo(queue));
        return m;
    }

    static Map<String, Object> queueInfo(QueueInfo q) {
        var m = new LinkedHashMap<String, Object>();
        m.put("position", q.position());
        m.put("total_queued", q.totalQueued());
        m.put("waiting_reason", reason(q.waitingReason()));
        m.put("estimated_wait_seconds", q.estimatedWaitSeconds());
        m.put("estimate_based_on", q.estimate() == null ? null : q.estimate().basedOn());
        m.put("estimate_basis", q.estimate() == null ? null : q.estimate().basisText());
        m.put("estimate_text", q.estimate() == null ? null : q.estimate().text());
        m.put("not_before", q.notBefore());
        return m;
    }

    static Map<String, Object> reason(WaitingReason r) {
        return Map.of("code", r.code(), "message", r.message());
    }

    static Map<String, Object> spec(JobSpec s) {
        var m = new LinkedHashMap<String, Object>();
        m.put("name", s.name());
        m.put("type", s.type());
        m.put("command", s.command());
        m.put("source_repository", s.sourceRepository());
        m.put("branch", s.branch());
        m.put("commit_hash", s.commitHash());
        m.put("target_architecture", s.targetArchitecture());
        m.put("server_id", s.serverId());
        m.put("labels", s.labels());
        m.put("env", s.env());
        m.put("secrets", s.secrets());
        m.put("priority", s.priority());
        m.put("timeout_seconds", s.timeoutSeconds());
        m.put("cancel_grace_seconds", s.cancelGraceSeconds());
        m.put("retry", Map.of("limit", s.retry().limit(), "on", s.retry().onAsWire(),
                "backoff_seconds", s.retry().backoffSeconds()));
        m.put("artifacts", s.artifacts());
        m.put("service", s.service());
        m.put("notify", s.notifyTargets().stream().map(t -> Map.of("url", t.url(), "on", t.on())).toList());
        if (s.service()) { // a service's restart policy is its retry policy (RetryPolicy.restartOnFailure)
            var restart = new LinkedHashMap<String, Object>();
            restart.put("policy", s.retry().restartsServices() ? "on_failure" : "never");
            if (s.retry().restartsServices()) {
                restart.put("limit", s.retry().limit());
                restart.put("backoff_seconds", s.retry().backoffSeconds());
            }
            m.put("restart", restart);
        }
        if (s.readyWhen() != null) {
            m.put("ready_when", s.readyWhen().log() != null ? Map.of("log", s.readyWhen().log())
                    : Map.of("tcp_port", s.readyWhen().tcpPort()));
        }
        m.put("apply", s.apply() == null ? null : Map.of("command", s.apply().command(), "type", s.apply().type(),
                "labels", s.apply().labels()));
        // the files placed in the workspace before the command (uploads, or the applied plan's artifacts)
        if (!s.inputs().isEmpty()) m.put("input_files", s.inputs().stream().map(f -> Map.of("path", f.path(), "sha256", f.sha256(), "size", f.size())).toList());
        return m;
    }

    static Map<String, Object> attempt(Attempt a, Function<String, String> agentName) {
        var m = new LinkedHashMap<String, Object>();
        m.put("number", a.number());
        m.put("status", a.status().wireName());
        m.put("agent_id", a.agentId());
        m.put("agent_name", a.agentId() == null ? null : agentName.apply(a.agentId()));
        m.put("created_at", a.createdAt());
        m.put("started_at", a.startedAt());
        m.put("finished_at", a.finishedAt());
        m.put("duration_seconds", seconds(a.startedAt(), a.finishedAt()));
        m.put("exit_code", a.exitCode());
        m.put("signal", a.signal());
        m.put("error_message", a.error());
        m.put("pid", a.pid());
        m.put("log_lines", a.lineCount());
        return m;
    }

    static Map<String, Object> event(Event e) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", e.id());
        m.put("job_id", e.jobId());
        m.put("kind", e.kind());
        m.put("timestamp", Clock.toInstant(e.timestampNs()));
        m.put("timestamp_ns", e.timestampNs());
        m.put("data", e.data());
        return m;
    }

    static Map<String, Object> line(NumberedLine l) {
        var m = new LinkedHashMap<String, Object>();
        m.put("number", l.number());
        m.put("timestamp", Clock.toInstant(l.line().timestampNs()));
        m.put("stream", l.line().stream().name());
        m.put("text", l.line().text());
        return m;
    }

    static Map<String, Object> agent(AgentSession.AgentView a) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", a.id());
        m.put("name", a.name());
        m.put("state", a.state());
        m.put("labels", a.labels());
        m.put("capacity", a.capacity());
        m.put("active", a.activeJobs().size());
        m.put("active_jobs", a.activeJobs());
        m.put("version", a.version());
        m.put("load", a.load());
        m.put("memory_used_bytes", a.memoryUsedBytes());
        m.put("memory_total_bytes", a.memoryTotalBytes());
        m.put("connected_at", a.connectedAt());
        m.put("last_seen", a.lastSeen());
        return m;
    }

    /** Seconds from {@code from} to {@code to} (to now while it runs); null if it never started. */
    static Double seconds(Instant from, Instant to) {
        if (from == null) return null;
        long ms = Duration.between(from, to != null ? to : Instant.now()).toMillis();
        return ms / 1000.0;
    }
}
