package dev.kiln.server;

import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.http.AgentLimits;
import dev.kiln.server.http.TlsConfig;
import dev.kiln.server.ops.RetentionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How a Kiln server runs. {@code port} 0 picks a free port. {@code embeddedAgent} starts an agent in-process that
 * connects over loopback like any remote one; its capacity 0 means one slot per core. {@code virtualThreads}: HTTP
 * requests (and so every stream client) run on virtual threads. {@code sessionLifetime}: how long a dashboard
 * sign-in lasts, across browser restarts. {@code agentLimits}: what one agent connection may send per second before
 * it is read more slowly. {@code graphFile}: the build graph (kiln.yaml) to load and watch, or null for none (a graph
 * may still be put through the API). {@code tls}: HTTPS (h2 by ALPN) on a port of its own beside the plain one, or
 * null. {@code database}: a {@code postgresql://} URL, or null for SQLite in the data dir. {@code retention}: what
 * finished jobs are kept, and for how long.
 */
public record ServerConfig(
        Path dataDir,
        String bind,
        int port,
        boolean embeddedAgent,
        String agentName,
        int agentCapacity,
        Map<String, List<String>> agentLabels,
        FleetRegistry.Timing fleetTiming,
        boolean virtualThreads,
        Duration sessionLifetime,
        AgentLimits agentLimits,
        Path graphFile,
        TlsConfig tls,
        String database,
        RetentionPolicy retention) {

    public static final FleetRegistry.Timing DEFAULT_TIMING =
            new FleetRegistry.Timing(Duration.ofSeconds(15), Duration.ofSeconds(15));
    public static final Duration DEFAULT_SESSION_LIFETIME = Duration.ofDays(30);

    /** Keeping every finished job. */
    public ServerConfig(Path dataDir, String bind, int port, boolean embeddedAgent, String agentName, int agentCapacity,
                        Map<String, List<String>> agentLabels, FleetRegistry.Timing fleetTiming, boolean virtualThreads,
                        Duration sessionLifetime, AgentLimits agentLimits) {
        this(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming, virtualThreads,
                sessionLifetime, agentLimits, null, null, null, RetentionPolicy.KEEP_EVERYTHING);
    }

    /** With the default session lifetime and agent limits. */
    public ServerConfig(Path dataDir, String bind, int port, boolean embeddedAgent, String agentName, int agentCapacity,
                        Map<String, List<String>> agentLabels, FleetRegistry.Timing fleetTiming, boolean virtualThreads) {
        this(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming, virtualThreads,
                DEFAULT_SESSION_LIFETIME, AgentLimits.DEFAULTS, null, null, null, RetentionPolicy.KEEP_EVERYTHING);
    }

    /** On SQLite in the data dir. */
    public ServerConfig(Path dataDir, String bind, int port, boolean embeddedAgent, String agentName, int agentCapacity,
                        Map<String, List<String>> agentLabels, FleetRegistry.Timing fleetTiming, boolean virtualThreads,
                        Duration sessionLifetime, AgentLimits agentLimits, Path graphFile, TlsConfig tls) {
        this(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming, virtualThreads,
                sessionLifetime, agentLimits, graphFile, tls, null, RetentionPolicy.KEEP_EVERYTHING);
    }

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, "127.0.0.1", 8080, true, "embedded", 0, Map.of(), DEFAULT_TIMING, true);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(dataDir, bind, newPort, embeddedAgent, agentName, agentCapacity, agentLabels,
                fleetTiming, virtualThreads, sessionLifetime, agentLimits, graphFile, tls, database, retention);
    }

    public ServerConfig withFleetTiming(FleetRegistry.Timing timing) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, timing,
                virtualThreads, sessionLifetime, agentLimits, graphFile, tls, database, retention);
    }

    public ServerConfig withAgentCapacity(int capacity) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, capacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, agentLimits, graphFile, tls, database, retention);
    }

    public ServerConfig withDataDir(Path dir) {
        return new ServerConfig(dir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, agentLimits, graphFile, tls, database, retention);
    }

    public ServerConfig withSessionLifetime(Duration lifetime) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, lifetime, agentLimits, graphFile, tls, database, retention);
    }

    public ServerConfig withAgentLimits(AgentLimits limits) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, limits, graphFile, tls, database, retention);
    }

    public ServerConfig withGraphFile(Path file) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, agentLimits, file, tls, database, retention);
    }

    public ServerConfig withTls(TlsConfig newTls) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, agentLimits, graphFile, newTls, database, retention);
    }

    public ServerConfig withDatabase(String newDatabase) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, agentLimits, graphFile, tls, newDatabase, retention);
    }

    public ServerConfig withRetention(RetentionPolicy policy) {
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming,
                virtualThreads, sessionLifetime, agentLimits, graphFile, tls, database, policy);
    }
}
