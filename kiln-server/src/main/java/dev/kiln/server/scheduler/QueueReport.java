package dev.kiln.server.scheduler;

import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.AgentState;
import dev.kiln.server.fleet.Fleet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** The queue as people see it: a job's position, why it waits and how long it may wait; the queue at a glance. */
public final class QueueReport {
    private final EngineLock lock;
    private final JobQueue queue;
    private final Fleet fleet;
    private final WaitEstimator estimator;
    private final Function<String, Job> activeJob;
    private final Supplier<Iterable<Job>> activeJobs;

    /** {@code activeJob} and {@code activeJobs} read the engine's unfinished jobs (under the lock). */
    public QueueReport(EngineLock lock, JobQueue queue, Fleet fleet, DurationStats durations,
                       Function<String, Job> activeJob, Supplier<Iterable<Job>> activeJobs) {
        this.lock = lock;
        this.queue = queue;
        this.fleet = fleet;
        this.estimator = new WaitEstimator(durations);
        this.activeJob = activeJob;
        this.activeJobs = activeJobs;
    }

    /** Where a queued job stands; null if it is not queued. */
    public QueueInfo info(String jobId) {
        Instant now = Instant.now();
        int position, total;
        WaitingReason reason;
        WaitEstimator.Situation situation;
        Instant heldUntil;
        synchronized (lock) {
            JobQueue.Entry entry = queue.get(jobId);
            if (entry == null) return null;
            var standing = queue.standing(entry);
            position = standing.position();
            total = queue.size();
            heldUntil = queue.heldUntil(jobId);
            Job job = activeJob.apply(jobId);
            reason = heldUntil != null && job != null
                    ? new WaitingReason.RetryBackoff(job.attempt(), job.spec().retry().limit(),
                            (Duration.between(now, heldUntil).toMillis() + 999) / 1000)
                    : Scheduler.reasonFor(entry, queue, fleet.all());
            situation = situation(entry, standing.aheadInGroup(), heldUntil);
        }
        // outside the lock: the first estimate for a kind of job reads its recent runs from the store
        return new QueueInfo(position, total, reason, estimator.estimate(situation, now), heldUntil);
    }

    /** Under the lock: the slots of the online agents that can run {@code entry}, and the jobs ahead of it. */
    private WaitEstimator.Situation situation(JobQueue.Entry entry, List<JobQueue.Run> ahead, Instant heldUntil) {
        int free = 0;
        var busy = new ArrayList<WaitEstimator.Busy>();
        for (AgentSession a : fleet.all()) {
            if (a.state() != AgentState.ONLINE || a.connection() == null || !Scheduler.canRun(entry.needs(), a)) continue;
            free += Math.max(0, a.capacity() - a.activeJobs().size());
            for (String id : a.activeJobs()) {
                Job running = activeJob.apply(id);
                if (running == null || running.spec().service()) continue; // a service holds its slot until stopped
                busy.add(new WaitEstimator.Busy(DurationStats.Kind.of(running.spec()), running.startedAt()));
            }
        }
        return new WaitEstimator.Situation(free, busy, ahead, heldUntil);
    }

    public QueueSummary summary(int headSize) {
        synchronized (lock) {
            var byArch = new LinkedHashMap<String, Integer>();
            var byLabel = new LinkedHashMap<String, Integer>();
            queue.groupSizes().forEach((needs, n) -> {
                byArch.merge(needs.requirements().getOrDefault("arch", "any"), n, Integer::sum);
                needs.requirements().forEach((k, v) -> byLabel.merge(k + "=" + v, n, Integer::sum));
            });
            int running = 0, assigned = 0;
            for (Job job : activeJobs.get()) {
                if (job.status() == JobStatus.RUNNING) running++;
                else if (job.status().isOnAgent()) assigned++;
            }
            var head = new ArrayList<QueueSummary.Queued>();
            int pos = 1;
            for (var e : queue.head(headSize)) {
                head.add(new QueueSummary.Queued(activeJob.apply(e.jobId()), pos++, Scheduler.reasonFor(e, queue, fleet.all())));
            }
            int capacity = 0, used = 0;
            for (AgentSession a : fleet.all()) {
                if (a.state() == AgentState.ONLINE) {
                    capacity += a.capacity();
                    used += a.activeJobs().size();
                }
            }
            return new QueueSummary(queue.size(), running, assigned, byArch, byLabel, capacity, used, head);
        }
    }
}
