package dev.kiln.server.fleet;

import dev.kiln.server.core.IllegalTransitionException;

/**
 * The agent state machine's decisions: from an agent's state and what happened to the state after it. Facts from
 * the connection never fail (an agent is whatever its socket says); an operator's command that the table does not
 * allow is an {@link IllegalTransitionException} (HTTP 409).
 */
public final class AgentTransitions {
    private AgentTransitions() {}

    /** What can happen to an agent. */
    public sealed interface Fact {
        /** The agent said hello on a new connection. */
        record Connected() implements Fact {}

        /** Its connection closed (or its heartbeat stopped, which closes it). */
        record Disconnected() implements Fact {}

        /** The agent said (in a heartbeat) it is shutting down. */
        record Leaving() implements Fact {}

        /** An operator's drain: finish what runs, take nothing new. */
        record Drain() implements Fact {}

        /** An operator's resume; an agent that is not connected becomes offline rather than online. */
        record Resume(boolean connected) implements Fact {}

        /** An operator's disable: no work until resumed, even across reconnects. */
        record Disable() implements Fact {}
    }

    public static AgentState next(String agent, AgentState current, Fact fact) {
        AgentState target = switch (fact) {
            // an operator's drain or disable outlives a reconnect; offline and leaving come back online
            case Fact.Connected c -> current == AgentState.DRAINING || current == AgentState.DISABLED
                    ? current : AgentState.ONLINE;
            case Fact.Disconnected d -> current == AgentState.DISABLED ? current : AgentState.OFFLINE;
            case Fact.Leaving l -> current == AgentState.ONLINE ? AgentState.LEAVING : current;
            case Fact.Drain d -> checked(agent, current, AgentState.DRAINING, "drained");
            case Fact.Resume r -> current == AgentState.LEAVING
                    ? refuse(agent, current, "resumed: it is shutting down")
                    : checked(agent, current, r.connected() ? AgentState.ONLINE : AgentState.OFFLINE, "resumed");
            case Fact.Disable d -> checked(agent, current, AgentState.DISABLED, "disabled");
        };
        if (target != current && !current.canMoveTo(target)) {
            throw new IllegalStateException("agent " + agent + ": " + current + " -> " + target + " is not in the table");
        }
        return target;
    }

    private static AgentState checked(String agent, AgentState current, AgentState target, String verb) {
        if (target != current && !current.canMoveTo(target)) return refuse(agent, current, verb);
        return target;
    }

    private static AgentState refuse(String agent, AgentState current, String what) {
        throw new IllegalTransitionException("agent " + agent + " is " + current.wireName() + " and cannot be " + what);
    }
}
