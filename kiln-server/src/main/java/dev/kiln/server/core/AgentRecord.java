package dev.kiln.server.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the store remembers of an agent, so the workers page lists agents that are offline too. */
public record AgentRecord(String id, String name, Map<String, List<String>> labels, int capacity, String version,
                          String state, Instant firstSeen, Instant lastSeen) {}
