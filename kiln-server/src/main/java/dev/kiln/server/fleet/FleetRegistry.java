package dev.kiln.server.fleet;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.events.Event;
import dev.kiln.server.fleet.AgentTransitions.Fact;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agents coming, going and being steered: hello and goodbye, heartbeats and the timer that notices silence, the
 * timer that gives a vanished agent's jobs up, and an operator's drain, resume and disable. Every state change goes
 * through {@link AgentTransitions} and is stored with its event; each runs under the {@link EngineLock}.
 */
public final class FleetRegistry {
    private static final Logger log = LoggerFactory.getLogger(FleetRegistry.class);
    /** {@code lostAfter}: how long a disconnected agent's jobs wait for it; {@code heartbeatTimeout}: silence allowed. */
    public record Timing(Duration lostAfter, Duration heartbeatTimeout) {
        /**
         * How often a server on a shared database stamps its agents as seen ({@link #refreshPresence}): a few times
         * within {@code lostAfter}, so a live agent never looks gone to the others.
         */
        public Duration presencePeriod() {
            return Duration.ofMillis(Math.clamp(lostAfter.toMillis() / 4, 200, 2000));
        }
    }

    private final EngineLock lock;
    private final Fleet fleet;
    private final Store store;
    private final Timing timing;
    private final AgentJobs jobs;
    private final Runnable wakeDispatcher;
    private final ScheduledExecutorService timers;

    public FleetRegistry(EngineLock lock, Fleet fleet, Store store, Timing timing, AgentJobs jobs,
                         Runnable wakeDispatcher, ScheduledExecutorService timers) {
        this.lock = lock;
        this.fleet = fleet;
        this.store = store;
        this.timing = timing;
        this.jobs = jobs;
        this.wakeDispatcher = wakeDispatcher;
        this.timers = timers;
        long period = Math.max(200, timing.heartbeatTimeout().toMillis() / 3);
        timers.scheduleWithFixedDelay(this::closeSilentConnections, period, period, TimeUnit.MILLISECONDS);
    }

    /** At start: every agent the store knows, offline until it says hello (a disabled one stays disabled). */
    public void recover(List<AgentRecord> agents) {
        synchronized (lock) {
            for (AgentRecord a : agents) {
                AgentState state = a.state().equals(AgentState.DISABLED.wireName()) ? AgentState.DISABLED : AgentState.OFFLINE;
                fleet.remember(new AgentSession(a.id(), a.name(), a.labels(), a.capacity(), a.version(), state,
                        a.lastSeen()));
            }
        }
    }

    /**
     * A hello on {@code connection}. Returns false, having closed the connection with 4409, when the agent is
     * already connected on a connection that is still alive: an identity has one connection at a time, and a second
     * one never pushes the first off.
     */
    public boolean connected(AgentMessage.Hello hello, AgentConnection connection) {
        Instant now = Instant.now();
        synchronized (lock) {
            AgentSession agent = fleet.get(hello.agentId());
            if (agent == null) {
                agent = new AgentSession(hello.agentId(), hello.name(), hello.labels(), hello.capacity(),
                        hello.version(), AgentState.OFFLINE, now);
                fleet.remember(agent);
            } else if (agent.connection() != null && agent.connection() != connection) {
                if (!oldConnectionIsGone(agent, now)) {
                    log.warn("refused a second connection of agent {} ({}): its first connection is alive", agent.id(), agent.name());
                    connection.close(4409, "agent " + agent.id() + " is already connected; a second connection of the same agent is refused");
                    return false;
                }
                agent.connection().close(4409, "replaced: this connection was silent and the agent connected again");
            }
            agent.connected(hello.name(), hello.labels(), hello.capacity(), hello.version(), connection, now);
            agent.setState(AgentTransitions.next(agent.name(), agent.state(), new Fact.Connected()));
            connection.send(new ServerMessage.Welcome(agent.id(), heartbeatIntervalMs()));
            jobs.reconcile(agent, hello);
            var rec = record(agent);
            storeAgent(rec, AgentEvents.connected(rec));
        }
        wakeDispatcher.run();
        return true;
    }

    /**
     * The rule for a hello while the agent still has a connection: the old one counts as gone when nothing came over
     * it for one and a half heartbeat intervals. A live agent sends at least a heartbeat every interval, so a silent
     * old connection is a half-open socket the server has not noticed closing (the agent's network dropped, or it was
     * killed and restarted before the close reached us); the agent's reconnect back-off brings it back past that
     * point. A connection that is still talking belongs to a live agent, and the newcomer is the impostor or the
     * duplicate.
     */
    private boolean oldConnectionIsGone(AgentSession agent, Instant now) {
        return agent.lastSeen() == null
                || agent.lastSeen().isBefore(now.minusMillis(heartbeatIntervalMs() * 3 / 2));
    }

    /** How often agents send a heartbeat: a third of the timeout, so two may be lost before an agent counts as gone. */
    private long heartbeatIntervalMs() {
        return Math.max(1000, timing.heartbeatTimeout().toMillis() / 3);
    }

    public void disconnected(String agentId, AgentConnection connection) {
        synchronized (lock) {
            AgentSession agent = fleet.get(agentId);
            if (agent == null || agent.connection() != connection) return;
            agent.disconnected();
            agent.setState(AgentTransitions.next(agent.name(), agent.state(), new Fact.Disconnected()));
            var rec = record(agent);
            storeAgent(rec, AgentEvents.disconnected(rec));
            if (!agent.activeJobs().isEmpty()) scheduleLostCheck(agentId);
        }
    }

    public void heartbeat(String agentId, AgentMessage.Heartbeat hb) {
        synchronized (lock) {
            AgentSession a = fleet.get(agentId);
            if (a == null) return;
            a.heartbeat(hb.load(), hb.memoryUsedBytes(), hb.memoryTotalBytes(), Instant.now());
            if (hb.draining()) change(a, new Fact.Leaving(), "the agent is shutting down");
        }
    }

    /** An agent's connection went over a rate limit and is being read more slowly: stored as {@code agent.throttled}. */
    public void throttled(String agentId, String limit, long perSecond) {
        synchronized (lock) {
            AgentSession a = fleet.get(agentId);
            store.write(tx -> tx.appendEvent(AgentEvents.throttled(agentId, a == null ? agentId : a.name(), limit, perSecond)));
        }
    }

    /** Under the lock: the agent said something, so it is alive. Null for an agent the server does not know. */
    public AgentSession touch(String agentId) {
        AgentSession a = fleet.get(agentId);
        if (a != null) a.seen(Instant.now());
        return a;
    }

    /** An operator's drain, resume or disable. */
    public AgentSession.AgentView command(String idOrName, Fact command) {
        AgentSession.AgentView view;
        CompletableFuture<Void> stored;
        synchronized (lock) {
            AgentSession a = find(idOrName);
            Fact fact = command instanceof Fact.Resume ? new Fact.Resume(a.connection() != null) : command;
            stored = change(a, fact, "by an operator");
            view = a.view();
        }
        stored.join();
        wakeDispatcher.run();
        return view;
    }

    public List<AgentSession.AgentView> views() {
        synchronized (lock) {
            return fleet.all().stream().map(AgentSession::view).toList();
        }
    }

    public AgentSession.AgentView view(String idOrName) {
        synchronized (lock) {
            return find(idOrName).view();
        }
    }

    /** At start: a job the store says runs on this (remote) agent, which has {@code lostAfter} to come back with it. */
    public void expectBack(String agentId, String jobId) {
        synchronized (lock) {
            AgentSession agent = fleet.get(agentId);
            if (agent != null) agent.activeJobs().add(jobId);
            scheduleLostCheck(agentId);
        }
    }

    /** Under the lock: the agent's connection, or null when it is not connected. */
    public AgentConnection connectionOf(String agentId) {
        AgentSession agent = fleet.get(agentId);
        return agent == null ? null : agent.connection();
    }

    /** Gives the agent's jobs up if it is not back within {@code lostAfter}. */
    private void scheduleLostCheck(String agentId) {
        try {
            timers.schedule(() -> loseJobsIfGone(agentId), timing.lostAfter().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the server is stopping (its timers are): a socket closing late has no loss left to time out
        }
    }

    private void loseJobsIfGone(String agentId) {
        Instant seenByAny = storedLastSeen(agentId); // read before the lock: nothing under it waits for the database
        synchronized (lock) {
            AgentSession agent = fleet.get(agentId);
            if (agent != null && agent.connection() != null) return; // it came back
            if (seenElsewhere(agent, seenByAny)) {
                // it moved to another server of this database, which took its jobs over: not lost, look again later
                // (the shared queue's sync lets go of them here once they end or are retried there)
                scheduleLostCheck(agentId);
                return;
            }
            jobs.lose(agentId, "agent " + (agent == null ? agentId : agent.name()) + " did not come back within "
                    + timing.lostAfter().toSeconds() + " s");
        }
        wakeDispatcher.run();
    }

    /**
     * With several servers on one database: stamps every agent connected here as seen now, so that the others know it
     * is alive ({@link #seenElsewhere}) and the timers' owner does not give its jobs up (jobs' {@code StrandedJobs}).
     * Written under the lock, so it is never stored after a later disconnect; no event (nothing changed).
     */
    public void refreshPresence() {
        Instant now = Instant.now();
        synchronized (lock) {
            List<AgentRecord> here = fleet.all().stream().filter(a -> a.connection() != null)
                    .map(a -> record(a, now)).toList();
            if (!here.isEmpty()) store.write(tx -> {
                here.forEach(tx::upsertAgent);
                return null;
            });
        }
    }

    /** When any server last saw the agent (the store's {@code last_seen}; never moves back), or null. */
    private Instant storedLastSeen(String agentId) {
        try {
            return store.agents().stream().filter(a -> a.id().equals(agentId)).map(AgentRecord::lastSeen)
                    .findFirst().orElse(null);
        } catch (RuntimeException e) { // the database is away: judge by what this server saw
            log.warn("cannot read agent {} from the store: {}", agentId, e.getMessage());
            return null;
        }
    }

    /**
     * The rule for an agent that left this server: another server has seen it since (later than this one did), within
     * {@code lostAfter}. Servers' clocks are taken to agree to well within {@code lostAfter} (NTP).
     */
    private boolean seenElsewhere(AgentSession agent, Instant seenByAny) {
        if (seenByAny == null || seenByAny.isBefore(Instant.now().minus(timing.lostAfter()))) return false;
        return agent == null || agent.lastSeen() == null || seenByAny.isAfter(agent.lastSeen());
    }

    private void closeSilentConnections() {
        Instant cutoff = Instant.now().minus(timing.heartbeatTimeout());
        record Silent(String agentId, AgentConnection connection) {}
        List<Silent> silent = new ArrayList<>();
        synchronized (lock) {
            for (var a : fleet.all()) {
                if (a.connection() != null && a.lastSeen() != null && a.lastSeen().isBefore(cutoff)) {
                    silent.add(new Silent(a.id(), a.connection()));
                }
            }
        }
        for (Silent s : silent) {
            s.connection().close(4408, "no heartbeat within " + timing.heartbeatTimeout().toSeconds() + " s");
            // Offline now, not when the close completes: a frozen agent never answers the close handshake, and
            // the socket would linger until the idle timeout. The close handler's later report is then a no-op.
            disconnected(s.agentId(), s.connection());
        }
    }

    /** Under the lock: applies a fact; a new state is stored with its event. */
    private CompletableFuture<Void> change(AgentSession a, Fact fact, String reason) {
        AgentState next = AgentTransitions.next(a.name(), a.state(), fact);
        if (next == a.state()) return CompletableFuture.completedFuture(null);
        a.setState(next);
        var rec = record(a);
        return storeAgent(rec, AgentEvents.state(rec, reason));
    }

    private CompletableFuture<Void> storeAgent(AgentRecord rec, Event event) {
        return store.write(tx -> {
            tx.upsertAgent(rec);
            tx.appendEvent(event);
            return null;
        });
    }

    private AgentSession find(String idOrName) {
        AgentSession a = fleet.find(idOrName);
        if (a == null) throw new NotFoundException("no agent '" + idOrName + "'");
        return a;
    }

    private static AgentRecord record(AgentSession a) {
        return record(a, a.lastSeen() == null ? Instant.now() : a.lastSeen());
    }

    private static AgentRecord record(AgentSession a, Instant seen) {
        return new AgentRecord(a.id(), a.name(), a.labels(), a.capacity(), a.version(), a.state().wireName(), seen, seen);
    }
}
