package dev.kiln.server.jobs;

import dev.kiln.server.core.Job;
import dev.kiln.server.scheduler.DurationStats;
import dev.kiln.server.scheduler.JobQueue;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The unfinished jobs as the engine holds them in memory, and the queue of those waiting for an agent. Not
 * thread-safe: used under the {@link dev.kiln.server.core.EngineLock} only.
 */
public final class ActiveJobs {
    private final Map<String, ActiveJob> byId = new HashMap<>();
    private final Map<String, Long> submitOrder = new HashMap<>();
    private final JobQueue queue;
    private long lastOrder;

    public ActiveJobs(JobQueue queue) {
        this.queue = queue;
    }

    ActiveJob get(String jobId) {
        return byId.get(jobId);
    }

    /** The job as held now, or null when it is not active. */
    public Job job(String jobId) {
        ActiveJob aj = byId.get(jobId);
        return aj == null ? null : aj.job;
    }

    void add(ActiveJob aj) {
        byId.put(aj.id(), aj);
    }

    /**
     * Puts the job in the queue, held until its not-before time if it has one (a retry's backoff; the dispatch pass
     * releases it). Submission order is kept by a counter, not the clock.
     */
    void enqueue(Job job) {
        long order = submitOrder.computeIfAbsent(job.id(), id -> job.seq() > 0 ? job.seq() : ++lastOrder);
        lastOrder = Math.max(lastOrder, order);
        var entry = new JobQueue.Entry(job.id(), job.spec().priority(), order,
                new JobQueue.Needs(job.spec().requirements(), job.spec().pinnedAgent()), DurationStats.Kind.of(job.spec()));
        if (job.notBefore() != null) queue.hold(entry, job.notBefore());
        else queue.add(entry);
    }

    /** The job is finished (or was never stored): out of memory and out of the queue. */
    void forget(String jobId) {
        queue.remove(jobId);
        byId.remove(jobId);
        submitOrder.remove(jobId);
    }

    JobQueue queue() {
        return queue;
    }

    Collection<ActiveJob> all() {
        return byId.values();
    }

    public List<Job> jobs() {
        return byId.values().stream().map(aj -> aj.job).toList();
    }

    Set<String> ids() {
        return Set.copyOf(byId.keySet());
    }
}
