package dev.kiln.server.core;

import java.time.Instant;

/**
 * One try of a job on one agent. Logs, exit code and timing belong here. {@code logSeq} is the highest agent log
 * chunk stored, {@code lineCount} the number of log lines stored (line numbers run 1..lineCount).
 */
public record Attempt(
        String jobId,
        int number,
        String agentId,
        JobStatus status,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Integer exitCode,
        Integer signal,
        String error,
        Long pid,
        long logSeq,
        long lineCount) {

    public static Attempt assigned(String jobId, int number, String agentId, Instant now) {
        return new Attempt(jobId, number, agentId, JobStatus.ASSIGNED, now, null, null, null, null, null, null, 0, 0);
    }

    public Attempt started(long newPid, Instant now) {
        boolean leaving = status == JobStatus.CANCELLING || status == JobStatus.STOPPING;
        return new Attempt(jobId, number, agentId, leaving ? status : JobStatus.RUNNING,
                createdAt, now, null, null, null, null, newPid, logSeq, lineCount);
    }

    public Attempt withStatus(JobStatus next) {
        return new Attempt(jobId, number, agentId, next, createdAt, startedAt, finishedAt, exitCode, signal, error,
                pid, logSeq, lineCount);
    }

    public Attempt finished(JobStatus terminal, Integer code, Integer sig, String why, Instant now) {
        return new Attempt(jobId, number, agentId, terminal, createdAt, startedAt, now, code, sig, why, pid, logSeq,
                lineCount);
    }

    public Attempt withLog(long seq, long lines) {
        return new Attempt(jobId, number, agentId, status, createdAt, startedAt, finishedAt, exitCode, signal, error,
                pid, seq, lines);
    }
}
