package dev.kiln.server.fleet;

import java.util.EnumSet;
import java.util.Set;

/**
 * The agent state machine's table. {@code online ⇄ draining} (an operator), {@code online → leaving} (the agent
 * itself is shutting down), {@code online|draining|leaving → offline} (connection gone or heartbeat missed)
 * {@code → online} (reconnect), and {@code disabled} by an operator until resumed. Only an online agent takes new
 * jobs. {@link AgentTransitions} decides which move a fact causes.
 */
public enum AgentState {
    ONLINE, DRAINING, LEAVING, OFFLINE, DISABLED;

    private Set<AgentState> next;

    static {
        ONLINE.next = EnumSet.of(DRAINING, LEAVING, OFFLINE, DISABLED);
        DRAINING.next = EnumSet.of(ONLINE, OFFLINE, DISABLED);
        // a leaving agent that reconnects before it went offline has changed its mind: online again
        LEAVING.next = EnumSet.of(ONLINE, DRAINING, OFFLINE, DISABLED);
        OFFLINE.next = EnumSet.of(ONLINE, DISABLED);
        DISABLED.next = EnumSet.of(ONLINE, OFFLINE);
    }

    public boolean canMoveTo(AgentState target) {
        return next.contains(target);
    }

    public boolean takesWork() {
        return this == ONLINE;
    }

    public String wireName() {
        return name().toLowerCase();
    }

    public static AgentState fromWire(String s) {
        for (AgentState state : values()) {
            if (state.wireName().equals(s)) return state;
        }
        throw new IllegalArgumentException("unknown agent state '" + s + "'");
    }
}
