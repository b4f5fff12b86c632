package dev.kiln.server;

import dev.kiln.server.auth.TokenService;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.jobs.ActiveJobs;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.jobs.JobLedger;
import dev.kiln.server.jobs.SharedCancels;
import dev.kiln.server.jobs.SharedQueue;
import dev.kiln.server.jobs.StrandedJobs;
import dev.kiln.server.notify.Notifications;
import dev.kiln.server.store.Lease;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server on a database shared with others looks at periodically, on the fleet's timer thread
 * (docs/architecture.md, "Several servers on one PostgreSQL"): the jobs queued and the cancels asked through the
 * others, the tokens they revoked, the notification subscriptions they changed, its own agents' presence and, on the
 * lease holder only, the jobs whose agent no server sees any more. A failed look (the database restarting) is logged
 * and the next one tries again.
 */
final class SharedDatabaseTimers {
    private static final Logger log = LoggerFactory.getLogger(SharedDatabaseTimers.class);
    /** How often a server looks for jobs submitted to, and cancels asked through, the others. */
    static final Duration QUEUE_SYNC = Duration.ofSeconds(1);
    /** How often it follows what changes seldom: revoked tokens, notification subscriptions. */
    static final Duration FOLLOW = Duration.ofSeconds(2);

    /** The engine's parts the timers act on. */
    record Parts(EngineLock lock, ActiveJobs active, Fleet agents, JobLedger ledger, JobEngine engine,
                 FleetRegistry fleet, Runnable wakeDispatcher) {}

    private SharedDatabaseTimers() {}

    static void schedule(ScheduledExecutorService timers, ServerConfig config, Store store, Lease lease, Parts p,
                         TokenService tokens, Notifications notifications) {
        var shared = new SharedQueue(p.lock(), p.active(), p.agents(), store, p.wakeDispatcher());
        every(timers, QUEUE_SYNC, shared::sync);
        every(timers, QUEUE_SYNC, new SharedCancels(p.engine(), store)::sync);
        every(timers, FOLLOW, tokens::forgetRevokedElsewhere);
        every(timers, FOLLOW, notifications::followOtherServers);
        // the agents connected here are seen; the lease holder gives up the jobs of agents no server sees
        every(timers, config.fleetTiming().presencePeriod(), p.fleet()::refreshPresence);
        var stranded = new StrandedJobs(p.lock(), p.active(), p.agents(), p.ledger(), store,
                config.fleetTiming().lostAfter(), p.wakeDispatcher());
        every(timers, QUEUE_SYNC, () -> {
            if (lease.held()) stranded.sweep();
            stranded.sweepOwnAgents(); // every server, for its own agents
        });
    }

    private static void every(ScheduledExecutorService timers, Duration period, Runnable look) {
        timers.scheduleWithFixedDelay(() -> {
            try {
                look.run();
            } catch (RuntimeException e) { // must not end the timer: the next look tries again
                log.warn("cannot read the shared database: {}", e.getMessage());
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }
}
