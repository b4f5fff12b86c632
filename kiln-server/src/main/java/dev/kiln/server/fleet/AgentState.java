package dev.kiln.server.fleet;

import java.util.EnumSet;
import java.util.Set;

/**
 * The agent state machine: {@code online ⇄ draining}, {@code online|draining → offline} (connection gone or
 * heartbeat missed) {@code → online} (reconnect), and {@code disabled} by an operator until resumed.
 * Only an online agent takes new jobs.
 */
public enum AgentState {
    ONLINE, DRAINING, OFFLINE, DISABLED;

    private Set<AgentState> next;

    static {
        ONLINE.next = EnumSet.of(DRAINING, OFFLINE, DISABLED);
        DRAINING.next = EnumSet.of(ONLINE, OFFLINE, DISABLED);
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
}
