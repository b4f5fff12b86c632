package dev.kiln.server.fleet;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every agent the server knows, connected or not. Used under the engine lock. */
public final class Fleet {
    private final Map<String, AgentSession> byId = new LinkedHashMap<>();

    public void remember(AgentSession agent) {
        byId.put(agent.id(), agent);
    }

    public AgentSession get(String id) {
        return id == null ? null : byId.get(id);
    }

    /** By id, or else by name. */
    public AgentSession find(String idOrName) {
        AgentSession a = byId.get(idOrName);
        if (a != null) return a;
        for (var s : byId.values()) if (s.name().equals(idOrName)) return s;
        return null;
    }

    public Collection<AgentSession> all() {
        return Collections.unmodifiableCollection(byId.values());
    }
}
