package dev.kiln.server.fleet;

import static dev.kiln.server.events.Event.data;

import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.events.Event;

/** The events of an agent's life, with their payloads. */
final class AgentEvents {
    private AgentEvents() {}

    static Event connected(AgentRecord a) {
        return Event.draft(null, "agent.connected", data("agent_id", a.id(), "name", a.name(),
                "capacity", a.capacity(), "labels", a.labels(), "version", a.version()));
    }

    static Event disconnected(AgentRecord a) {
        return Event.draft(null, "agent.disconnected", data("agent_id", a.id(), "name", a.name()));
    }

    /** A new state: {@code agent.draining}, {@code agent.leaving}, {@code agent.disabled}, {@code agent.online}… */
    static Event state(AgentRecord a, String reason) {
        return Event.draft(null, "agent." + a.state(), data("agent_id", a.id(), "name", a.name(), "reason", reason));
    }

    /** The agent's connection is over a rate limit ({@code messages} or {@code log_bytes}) and is read more slowly. */
    static Event throttled(String agentId, String name, String limit, long perSecond) {
        return Event.draft(null, "agent.throttled", data("agent_id", agentId, "name", name, "limit", limit,
                "per_second", perSecond));
    }
}
