package dev.kiln.server;

import dev.kiln.server.jobs.JobEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a Kiln server runs. {@code port} 0 picks a free port. {@code embeddedAgent} starts an agent in-process that
 * connects over loopback like any remote one; its capacity 0 means one slot per core.
 */
public record ServerConfig(
        Path dataDir,
        String bind,
        int port,
        boolean embeddedAgent,
        String agentName,
        int agentCapacity,
        Map<String, List<String>> agentLabels,
        JobEngine.Config engine) {

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, "127.0.0.1", 8080, true, "embedded", 0, Map.of(), JobEngine.Config.defaults());
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(dataDir, bind, newPort, embeddedAgent, agentName, agentCapacity, agentLabels, engine);
    }

    public ServerConfig withEngine(JobEngine.Config newEngine) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, newEngine);
    }

    public ServerConfig withAgentCapacity(int capacity) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, capacity, agentLabels, engine);
    }
}
