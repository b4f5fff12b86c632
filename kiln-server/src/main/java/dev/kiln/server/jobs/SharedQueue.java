package dev.kiln.server.jobs;

import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.store.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The queue as the database holds it, for several servers on one database: each server queues in memory only the
 * jobs submitted to it, so a look at the stored queue takes in the jobs submitted to the others, and lets go of the
 * queued jobs another server has taken (or cancelled), and of the jobs whose agent moved to another server once that
 * one ended or retried them. Who runs a job is still decided by the claim at dispatch
 * ({@link JobLedger#claim}); this only keeps each server's view of the queue close to the database's. Run on a
 * timer; a full read of the active jobs each time (enough for thousands of them, not for millions).
 */
public final class SharedQueue {
    private final EngineLock lock;
    private final ActiveJobs active;
    private final Store store;
    private final Runnable wake;
    private final Fleet fleet;

    public SharedQueue(EngineLock lock, ActiveJobs active, Fleet fleet, Store store, Runnable wake) {
        this.fleet = fleet;
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
                } else if (aj != null && movedOn(aj.job, there)) {
                    letGo(aj.job);
                }
            }
        }
        if (!newcomers.isEmpty()) wake.run();
    }

    /**
     * On an agent here, but in the database finished or at a later attempt: its agent moved to another server, which
     * took the job over ({@code JobsOnAgents.adopt}) and ended or retried it. This server's decisions reach memory
     * before the database, so a job it ended itself is no longer held, and one it held is never behind the database.
     */
    private static boolean movedOn(Job held, Job there) {
        return held.status().isOnAgent() && there != null
                && (there.status().isTerminal() || there.attempt() > held.attempt());
    }

    /** Under the lock: forgets the job, and the slot it took on its agent here. */
    private void letGo(Job job) {
        AgentSession agent = fleet.get(job.agentId());
        if (agent != null) agent.activeJobs().remove(job.id());
        active.forget(job.id());
    }
}
