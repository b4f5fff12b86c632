package dev.kiln.server.jobs;

import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.store.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The queue as the database holds it, for several servers on one database: each server queues in memory only the
 * jobs submitted to it, so a look at the stored queue takes in the jobs submitted to the others, and lets go of the
 * queued jobs another server has taken (or cancelled). Who runs a job is still decided by the claim at dispatch
 * ({@link JobLedger#claim}); this only keeps each server's view of the queue close to the database's. Run on a
 * timer; a full read of the active jobs each time (enough for thousands of them, not for millions).
 */
public final class SharedQueue {
    private final EngineLock lock;
    private final ActiveJobs active;
    private final Store store;
    private final Runnable wake;

    public SharedQueue(EngineLock lock, ActiveJobs active, Store store, Runnable wake) {
        this.lock = lock;
        this.active = active;
        this.store = store;
        this.wake = wake;
    }

    /** One look at the database; wakes the dispatcher when it took in a job. */
    public void sync() {
        Map<String, Job> stored = new HashMap<>();
        for (Job job : store.activeJobs()) stored.put(job.id(), job);
        Set<String> held;
        synchronized (lock) {
            held = active.ids();
        }
        // read outside the lock: the attempt and secrets of each queued job this server has not seen
        List<ActiveJob> newcomers = new ArrayList<>();
        for (Job job : stored.values()) {
            if (job.status() == JobStatus.QUEUED && !held.contains(job.id())) newcomers.add(ActiveJob.fromStore(job, store));
        }
        // held here but no longer active there: finished (cancelled) on another server, or just submitted here and
        // not yet committed; only a stored job that is finished tells them apart
        Map<String, Job> finished = new HashMap<>();
        for (String id : held) {
            if (!stored.containsKey(id)) store.job(id).filter(j -> j.status().isTerminal()).ifPresent(j -> finished.put(id, j));
        }
        synchronized (lock) {
            for (ActiveJob aj : newcomers) {
                if (active.get(aj.id()) != null) continue; // taken in meanwhile (submitted here, or an agent brought it)
                active.add(aj);
                active.enqueue(aj.job);
            }
            for (String id : held) {
                ActiveJob aj = active.get(id);
                Job there = stored.get(id);
                if (there == null) there = finished.get(id);
                // queued here, but in the database on an agent of another server, or finished there: not ours
                if (aj != null && aj.job.status() == JobStatus.QUEUED && there != null && there.status() != JobStatus.QUEUED) {
                    active.forget(id);
                }
            }
        }
        if (!newcomers.isEmpty()) wake.run();
    }
}
