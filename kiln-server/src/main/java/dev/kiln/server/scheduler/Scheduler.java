package dev.kiln.server.scheduler;

import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.AgentState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The matching decisions: which queued job goes to which agent next, and why a job waits. Pure logic over the queue
 * and the agents; the engine calls it under its lock and applies the result.
 */
public final class Scheduler {
    private Scheduler() {}

    public record Assignment(JobQueue.Entry entry, AgentSession agent) {}

    /** Where a group of jobs with these needs stands against the fleet: an agent to run the next one, or why none. */
    public sealed interface Verdict {
        record Match(AgentSession agent) implements Verdict {}
        record Wait(WaitingReason reason) implements Verdict {}
    }

    /**
     * The next job to start: among the head of each group, the best one that some agent with a free slot can take,
     * given to the least loaded such agent. Null when nothing can start.
     */
    public static Assignment next(JobQueue queue, Collection<AgentSession> agents) {
        boolean anyFree = false;
        for (var a : agents) {
            if (a.hasFreeSlot()) {
                anyFree = true;
                break;
            }
        }
        if (!anyFree) return null;
        for (var head : queue.heads()) {
            if (evaluate(head.needs(), agents) instanceof Verdict.Match m) return new Assignment(head, m.agent());
        }
        return null;
    }

    /** Why {@code entry} is still queued: the same verdict that matching uses, so the two cannot disagree. */
    public static WaitingReason reasonFor(JobQueue.Entry entry, JobQueue queue, Collection<AgentSession> agents) {
        return switch (evaluate(entry.needs(), agents)) {
            case Verdict.Wait w -> w.reason();
            case Verdict.Match m -> new WaitingReason.BehindInQueue(queue.aheadInGroup(entry));
        };
    }

    /** The one matching pass: the least loaded agent with a free slot that can run jobs with these needs, or why not. */
    public static Verdict evaluate(JobQueue.Needs needs, Collection<AgentSession> agents) {
        var candidates = new ArrayList<AgentSession>();
        AgentSession pinned = null;
        for (var a : agents) {
            if (needs.pinnedAgent() != null) {
                if (!a.matchesName(needs.pinnedAgent())) continue;
                pinned = a;
            }
            if (LabelMatcher.satisfies(needs.requirements(), a.labels())) candidates.add(a);
        }
        AgentSession best = null;
        for (var a : candidates) {
            if (a.hasFreeSlot() && (best == null || a.utilisation() < best.utilisation())) best = a;
        }
        if (best != null) return new Verdict.Match(best);
        return new Verdict.Wait(needs.pinnedAgent() != null ? pinnedReason(needs, pinned) : reason(needs, candidates, agents));
    }

    private static WaitingReason pinnedReason(JobQueue.Needs needs, AgentSession pinned) {
        if (pinned == null) return new WaitingReason.PinnedAgentUnavailable(needs.pinnedAgent(), null);
        if (!LabelMatcher.satisfies(needs.requirements(), pinned.labels())) {
            return new WaitingReason.NoMatchingAgent(unmet(needs.requirements(), List.of(pinned)));
        }
        if (pinned.state() != AgentState.ONLINE || pinned.connection() == null) {
            return new WaitingReason.PinnedAgentUnavailable(pinned.name(), pinned.state().wireName());
        }
        return busy(List.of(pinned));
    }

    private static WaitingReason reason(JobQueue.Needs needs, List<AgentSession> matching, Collection<AgentSession> agents) {
        var online = matching.stream().filter(a -> a.state() == AgentState.ONLINE && a.connection() != null).toList();
        if (online.isEmpty()) {
            var present = matching.stream().filter(a -> a.state() != AgentState.OFFLINE).toList();
            if (!present.isEmpty()) {
                String state = present.get(0).state().wireName();
                return new WaitingReason.MatchingAgentsUnavailable(present.stream().map(AgentSession::name).toList(), state);
            }
            var connected = agents.stream().filter(a -> a.state() != AgentState.OFFLINE).toList();
            return new WaitingReason.NoMatchingAgent(unmet(needs.requirements(), connected));
        }
        return busy(online);
    }

    /** Why these online agents take nothing: every slot is taken (by services too, which is worth saying). */
    private static WaitingReason busy(List<AgentSession> online) {
        int used = 0, capacity = 0, services = 0;
        for (var a : online) {
            used += a.activeJobs().size();
            capacity += a.capacity();
            services += a.servicesRunning();
        }
        if (services > 0) {
            return new WaitingReason.FullWithServices(online.stream().map(AgentSession::name).toList(), services, used, capacity);
        }
        return new WaitingReason.AllMatchingBusy(online.size(), used, capacity);
    }

    public static boolean canRun(JobQueue.Needs needs, AgentSession agent) {
        if (needs.pinnedAgent() != null && !agent.matchesName(needs.pinnedAgent())) return false;
        return LabelMatcher.satisfies(needs.requirements(), agent.labels());
    }

    /** The requirements no single one of these agents meets, or all of them when each is met by someone. */
    private static List<String> unmet(Map<String, String> requirements, List<AgentSession> agents) {
        var unmet = new ArrayList<String>();
        for (var req : requirements.entrySet()) {
            boolean someone = agents.stream().anyMatch(a -> LabelMatcher.meets(req.getKey(), req.getValue(), a.labels()));
            if (!someone) unmet.add(req.getKey() + "=" + req.getValue());
        }
        if (unmet.isEmpty()) requirements.forEach((k, v) -> unmet.add(k + "=" + v));
        return unmet;
    }
}
