package dev.kiln.server.jobs;

import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several servers on one database: the jobs on an agent that no server has seen for longer than {@code lostAfter}
 * (its server died, and the agent never came back anywhere). No living server holds such a job, so no server's own
 * loss timer ({@code FleetRegistry}) would ever fire for it; the owner of the timers lease gives it up here, through
 * the usual path ({@link JobTransitions#agentGone}: lost, and retried as its policy says), and dispatches the retry.
 * Servers stamp the agents connected to them as seen ({@code FleetRegistry.refreshPresence}), so a live agent's row
 * never looks this old. Run on a timer, by the lease holder only.
 */
public final class StrandedJobs {
    private final EngineLock lock;
    private final ActiveJobs active;
    private final Fleet fleet;
    private final JobLedger ledger;
    private final Store store;
    private final Duration lostAfter;
    private final Runnable wake;

    public StrandedJobs(EngineLock lock, ActiveJobs active, Fleet fleet, JobLedger ledger, Store store,
                        Duration lostAfter, Runnable wake) {
        this.lock = lock;
        this.active = active;
        this.fleet = fleet;
        this.ledger = ledger;
        this.store = store;
        this.lostAfter = lostAfter;
        this.wake = wake;
    }

    /** One look at the database; gives up what it finds stranded. */
    public void sweep() {
        Instant now = Instant.now();
        Map<String, Instant> seen = new HashMap<>();
        for (AgentRecord a : store.agents()) seen.put(a.id(), a.lastSeen());
        List<Job> stranded = store.activeJobs().stream()
                .filter(j -> j.status().isOnAgent() && j.agentId() != null)
                .filter(j -> seen.get(j.agentId()) == null || seen.get(j.agentId()).isBefore(now.minus(lostAfter)))
                .toList();
        if (stranded.isEmpty()) return;
        Set<String> held;
        synchronized (lock) {
            held = active.ids();
        }
        // read outside the lock: the attempt and secrets of each (a retry needs them)
        List<ActiveJob> orphans = new ArrayList<>();
        for (Job job : stranded) if (!held.contains(job.id())) orphans.add(ActiveJob.fromStore(job, store));
        if (orphans.isEmpty()) return;
        synchronized (lock) {
            for (ActiveJob aj : orphans) {
                // held here meanwhile (this server's own loss timer covers it), or its agent is connected here after all
                if (active.get(aj.id()) != null) continue;
                AgentSession agent = fleet.get(aj.job.agentId());
                if (agent != null && agent.connection() != null) continue;
                active.add(aj);
                String name = agent == null ? aj.job.agentId() : agent.name();
                ledger.apply(aj, JobTransitions.agentGone(aj.job, aj.attempt, "agent " + name
                        + " was not seen by any server for " + lostAfter.toSeconds() + " s", now, Jitter.draw()));
            }
        }
        wake.run();
    }

    /** Jobs first seen by {@link #sweepOwnAgents} as unheld on an agent connected here (the timer thread's alone). */
    private final Map<String, Instant> unheldSince = new HashMap<>();

    /**
     * The other stranded case, run by every server for the agents connected to it: the store puts a job on such an
     * agent, yet this server does not hold it. An agent's hello names the jobs it runs and the server adopts them, so
     * the agent never got this one: the server that claimed it died between its claim's commit and the send. Only
     * {@code assigned} jobs: one that started was reported by the agent, so it is not this case. No loss
     * timer anywhere covers it (its agent is alive), so after {@code lostAfter} of being seen so it is given up here
     * (nothing ran: it queues again at once).
     */
    public void sweepOwnAgents() {
        Instant now = Instant.now();
        Set<String> held;
        Set<String> connectedHere = new java.util.HashSet<>();
        synchronized (lock) {
            held = active.ids();
            for (AgentSession a : fleet.all()) if (a.connection() != null) connectedHere.add(a.id());
        }
        if (connectedHere.isEmpty() && unheldSince.isEmpty()) return;
        List<Job> unheld = store.activeJobs().stream()
                .filter(j -> j.status() == JobStatus.ASSIGNED && connectedHere.contains(j.agentId()) && !held.contains(j.id()))
                .toList();
        unheldSince.keySet().retainAll(unheld.stream().map(Job::id).toList());
        List<ActiveJob> orphans = new ArrayList<>();
        for (Job job : unheld) {
            Instant first = unheldSince.putIfAbsent(job.id(), now);
            if (first != null && !first.isAfter(now.minus(lostAfter))) orphans.add(ActiveJob.fromStore(job, store));
        }
        if (orphans.isEmpty()) return;
        synchronized (lock) {
            for (ActiveJob aj : orphans) {
                unheldSince.remove(aj.id());
                if (active.get(aj.id()) != null) continue; // taken in meanwhile
                AgentSession agent = fleet.get(aj.job.agentId());
                if (agent == null || agent.connection() == null) continue; // gone again: the lease holder's case
                active.add(aj);
                ledger.apply(aj, JobTransitions.agentGone(aj.job, aj.attempt, "agent " + agent.name()
                        + " never received it (the server that assigned it is gone)", now, Jitter.draw()));
            }
        }
        wake.run();
    }
}
