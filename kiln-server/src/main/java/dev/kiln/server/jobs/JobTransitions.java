package dev.kiln.server.jobs;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy.Outcome;
import dev.kiln.server.events.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The job state machine's decisions, as pure functions: from a job, its current attempt and what happened, to the
 * job and attempt after it, the events to append and the SYSTEM lines to add to the attempt's log. {@link JobStatus}
 * holds the table of legal moves; this class decides which move a fact causes. The engine applies decisions and
 * never decides on its own.
 */
public final class JobTransitions {
    private JobTransitions() {}

    public static final String CANCELLED_BY_USER = "Cancelled by user";
    /** The SYSTEM line of a job cancelled before it ran again (seed 001's wording). */
    public static final String BUILD_CANCELLED_BY_USER = "Build cancelled by user";
    public static final String STOPPED_BY_USER = "Stopped by user";

    /**
     * What to apply. {@code attempt} is null when the job has none. {@code newAttempt}: the attempt is to be
     * inserted, not updated. {@code systemLines} go to the attempt's log before it is stored.
     */
    public record Decision(Job job, Attempt attempt, boolean newAttempt, List<Event> events, List<String> systemLines) {
        public boolean requeued() {
            return job.status() == JobStatus.QUEUED;
        }
    }

    /** A queued job goes to an agent: a new attempt. */
    public static Decision assign(Job job, String agentId, String agentName, Instant now) {
        Job assigned = job.assigned(agentId, now);
        Attempt attempt = Attempt.assigned(job.id(), assigned.attempt(), agentId, now);
        return new Decision(assigned, attempt, true, List.of(JobEvents.assigned(attempt, agentName)),
                List.of("assigned to agent " + agentName + " (attempt " + attempt.number() + ")"));
    }

    /** The agent started the process. A job cancelled meanwhile stays cancelling. */
    public static Decision started(Job job, Attempt attempt, long pid, long processStartedNs, Instant now) {
        return started(job, attempt, pid, processStartedNs, null, now);
    }

    /** {@code commit}: what the agent checked out (null without a repository), kept in the event for the snapshot. */
    public static Decision started(Job job, Attempt attempt, long pid, long processStartedNs, String commit, Instant now) {
        Job running = job.started(now);
        Attempt started = attempt.started(pid, now);
        return new Decision(running, started, false,
                List.of(JobEvents.started(started, pid, processStartedNs, commit)), List.of());
    }

    /**
     * A user cancels ({@code by}: who, when known, else null). Queued: cancelled at once, with a SYSTEM line in the
     * log of its last attempt ({@code attempt}), or of "attempt 0" when it never ran, so its log says what happened.
     * On an agent: cancelling until the agent reports the end. Already cancelling: nothing changes (null). Anything
     * else: illegal.
     */
    public static Decision cancel(Job job, Attempt attempt, String by, Instant now) {
        String who = by == null ? "" : " (" + by + ")";
        return switch (job.status()) {
            case QUEUED -> {
                Job cancelled = job.finished(JobStatus.CANCELLED, null, CANCELLED_BY_USER, now);
                yield new Decision(cancelled, attempt, false, List.of(JobEvents.cancelledWhileQueued(cancelled, by)),
                        List.of(BUILD_CANCELLED_BY_USER + who));
            }
            case ASSIGNED, RUNNING -> {
                Attempt cancelling = attempt.withStatus(JobStatus.CANCELLING);
                yield new Decision(job.withStatus(JobStatus.CANCELLING, now), cancelling, false,
                        List.of(JobEvents.cancelling(cancelling)), List.of("cancel requested by user" + who));
            }
            case CANCELLING -> null;
            default -> throw new IllegalTransitionException("job " + job.id() + " is " + job.status().wireName()
                    + "; only queued or running jobs can be cancelled");
        };
    }

    /**
     * A user stops a service ({@code by} as for {@link #cancel}). Queued (never ran, or waiting out a restart's
     * backoff): stopped at once. On an agent: stopping until the agent reports the end (SIGTERM, grace, SIGKILL, as a
     * cancel). Already stopping: nothing changes (null). A job that is not a service, or a finished one: illegal.
     */
    public static Decision stop(Job job, Attempt attempt, String by, Instant now) {
        if (!job.spec().service()) {
            throw new IllegalTransitionException("job " + job.id() + " is not a service; a job is cancelled, not stopped"
                    + " (POST /api/v1/jobs/" + job.id() + "/cancel)");
        }
        String who = by == null ? "" : " (" + by + ")";
        return switch (job.status()) {
            case QUEUED -> {
                Job stopped = job.finished(JobStatus.STOPPED, null, STOPPED_BY_USER, now);
                yield new Decision(stopped, attempt, false, List.of(JobEvents.finished(stopped, null, null, STOPPED_BY_USER)),
                        List.of("service stopped by user before it ran" + who));
            }
            case ASSIGNED, RUNNING -> {
                Attempt stopping = attempt.withStatus(JobStatus.STOPPING);
                yield new Decision(job.withStatus(JobStatus.STOPPING, now), stopping, false,
                        List.of(JobEvents.stopping(stopping, by)), List.of("stop requested by user" + who));
            }
            case STOPPING -> null;
            default -> throw new IllegalTransitionException("job " + job.id() + " is " + job.status().wireName()
                    + "; only a queued or running service can be stopped");
        };
    }

    /**
     * The agent found the service ready ({@code how}: what held, for the log). Only a running service that was not
     * ready yet becomes ready; anything else (a late report, a service being stopped) changes nothing (null).
     */
    public static Decision ready(Job job, Attempt attempt, String how, Instant now) {
        if (job.status() != JobStatus.RUNNING || !job.spec().service() || job.readyAt() != null) return null;
        Job ready = job.ready(now);
        return new Decision(ready, attempt, false, List.of(JobEvents.serviceReady(ready, how)), List.of("ready: " + how));
    }

    /**
     * The agent reported the end of the attempt. A cancelling job is cancelled, a stopping service stopped;
     * otherwise the way it ended decides the status, and the job's retry policy whether it queues again and how long
     * it waits first ({@code jitter}: a uniform draw in [0, 1) for the backoff's random part).
     */
    public static Decision attemptEnded(Job job, Attempt attempt, AgentMessage.JobFinished report, Instant now,
                                        double jitter) {
        String error = report.error();
        JobStatus ended;
        Outcome outcome = null;
        if (job.status() == JobStatus.CANCELLING) {
            ended = JobStatus.CANCELLED;
            error = CANCELLED_BY_USER;
        } else if (job.status() == JobStatus.STOPPING) {
            ended = JobStatus.STOPPED;
            error = STOPPED_BY_USER;
        } else {
            switch (report.reason()) {
                case EXITED -> {
                    int code = report.exitCode() == null ? -1 : report.exitCode();
                    if (job.spec().service()) {
                        // a service runs until stopped: ending by itself is a failure, whatever the code
                        ended = JobStatus.FAILED;
                        if (error == null) error = "the service exited by itself ("
                                + (report.signal() != null ? "killed by signal " + report.signal() : "exit code " + code) + ")";
                        outcome = new Outcome.ServiceEnded(code);
                    } else {
                        // exit 0 with an error: the job ran but Kiln could not finish its part (artifact upload)
                        ended = code == 0 && error == null ? JobStatus.SUCCEEDED : JobStatus.FAILED;
                        if (code != 0 && error == null) {
                            error = report.signal() != null ? "killed by signal " + report.signal() : "exit code " + code;
                        }
                        outcome = new Outcome.Exited(code);
                    }
                }
                case TIMED_OUT -> {
                    ended = JobStatus.TIMED_OUT;
                    if (error == null) error = "timed out after " + job.spec().timeoutSeconds() + " s";
                    outcome = new Outcome.TimedOut();
                }
                case CANCELLED -> {
                    // nobody here asked for it: the agent stopped and cancelled what it ran (kiln agent
                    // --on-shutdown cancel, or the server's own embedded agent at shutdown). Like an agent gone.
                    ended = JobStatus.LOST;
                    error = "cancelled by its agent, which was stopping" + (error == null ? "" : ": " + error);
                    outcome = new Outcome.AgentLost();
                }
                default -> {
                    ended = JobStatus.FAILED;
                    if (error == null) error = "the job could not be started";
                    outcome = new Outcome.FailedToStart();
                }
            }
        }
        Job finished = job.finished(ended, report.exitCode(), error, now);
        Attempt attemptEnded = attempt.finished(ended, report.exitCode(), report.signal(), error, now);
        var events = new ArrayList<Event>();
        events.add(JobEvents.finished(finished, attemptEnded, report.signal(), error));
        if (outcome != null && job.spec().retry().next(attempt.number(), outcome, ended) == JobStatus.QUEUED) {
            return retry(finished, attemptEnded, ended, events, List.of(), now, jitter);
        }
        return serviceGaveUp(new Decision(finished, attemptEnded, false, events, List.of()));
    }

    /**
     * A service that ended by itself for good (failed, timed out or lost, and its restart policy does not start it
     * again) also says so as {@code service.failed}, the one event to watch for a service that is down.
     */
    private static Decision serviceGaveUp(Decision d) {
        Job j = d.job();
        boolean down = j.status() == JobStatus.FAILED || j.status() == JobStatus.TIMED_OUT || j.status() == JobStatus.LOST;
        if (!j.spec().service() || !down) return d;
        var events = new ArrayList<>(d.events());
        events.add(JobEvents.serviceFailed(j));
        return new Decision(j, d.attempt(), d.newAttempt(), events, d.systemLines());
    }

    /**
     * The ended attempt becomes another one after the policy's backoff: the job queues with a not-before time (the
     * scheduler holds it until then) and says so in its events and its log.
     */
    private static Decision retry(Job ended, Attempt attempt, JobStatus why, List<Event> events, List<String> lines,
                                  Instant now, double jitter) {
        var retry = ended.spec().retry();
        java.time.Duration delay = retry.delay(ended.attempt(), jitter);
        Instant notBefore = delay.isZero() ? null : now.plus(delay);
        events.add(JobEvents.retrying(ended, why, delay, notBefore));
        var log = new ArrayList<>(lines);
        log.add("retry " + ended.attempt() + " of " + retry.limit()
                + (delay.isZero() ? " now" : " in " + String.format(java.util.Locale.ROOT, "%.1f s", delay.toMillis() / 1000.0)));
        return new Decision(ended.requeued(now, notBefore), attempt, false, events, attempt == null ? List.of() : log);
    }

    /**
     * The job's agent is gone (did not come back in time, came back without the job, or was the embedded agent of a
     * server that died). A cancelling job is cancelled, a stopping service stopped: nobody wants them retried. Otherwise the attempt is lost; a job
     * that never started has had no side effects and queues again whatever its policy, a started one as its retry
     * policy says, after its backoff ({@code jitter} as for {@link #attemptEnded}).
     */
    public static Decision agentGone(Job job, Attempt attempt, String why, Instant now, double jitter) {
        if (job.status() == JobStatus.CANCELLING || job.status() == JobStatus.STOPPING) {
            boolean stop = job.status() == JobStatus.STOPPING;
            JobStatus end = stop ? JobStatus.STOPPED : JobStatus.CANCELLED;
            Job over = job.finished(end, null, stop ? STOPPED_BY_USER : CANCELLED_BY_USER, now);
            Attempt ended = attempt == null ? null : attempt.finished(end, null, null, why, now);
            return new Decision(over, ended, false, List.of(JobEvents.finished(over, null, null, why)), List.of());
        }
        boolean neverStarted = job.status() == JobStatus.ASSIGNED;
        Job lost = job.finished(JobStatus.LOST, null, why, now);
        Attempt ended = attempt == null ? null : attempt.finished(JobStatus.LOST, null, null, why, now);
        var events = new ArrayList<Event>();
        events.add(JobEvents.lost(job, why));
        List<String> lines = attempt == null ? List.of() : List.of("attempt lost: " + why);
        if (neverStarted) {
            // not a retry the policy chose: nothing ran, so nothing needs time to recover
            events.add(JobEvents.retrying(lost, JobStatus.LOST, java.time.Duration.ZERO, null));
            return new Decision(lost.requeued(now, null), ended, false, events, lines);
        }
        if (job.spec().retry().next(job.attempt(), new Outcome.AgentLost(), JobStatus.LOST) == JobStatus.QUEUED) {
            return retry(lost, ended, JobStatus.LOST, events, lines, now, jitter);
        }
        return serviceGaveUp(new Decision(lost, ended, false, events, lines));
    }
}
