package dev.kiln.server;

import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.http.AgentLimits;
import dev.kiln.server.http.TlsConfig;
import dev.kiln.server.notify.Notifications;
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
 * finished jobs are kept, and for how long. {@code notifications}: how notification deliveries retry.
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
        RetentionPolicy retention,
        Notifications.Settings notifications,
        long maxInputBytes) {

    /** The default limit of one input file uploaded with a submit (multipart). */
    public static final long DEFAULT_MAX_INPUT_BYTES = 1L << 30;

    /** Without {@code maxInputBytes} (the default, 1 GiB). */
    public ServerConfig(Path dataDir, String bind, int port, boolean embeddedAgent, String agentName, int agentCapacity,
                        Map<String, List<String>> agentLabels, FleetRegistry.Timing fleetTiming, boolean virtualThreads,
                        Duration sessionLifetime, AgentLimits agentLimits, Path graphFile, TlsConfig tls, String database,
                        RetentionPolicy retention, Notifications.Settings notifications) {
        this(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming, virtualThreads,
                sessionLifetime, agentLimits, graphFile, tls, database, retention, notifications, DEFAULT_MAX_INPUT_BYTES);
    }


    public static final FleetRegistry.Timing DEFAULT_TIMING =
            new FleetRegistry.Timing(Duration.ofSeconds(15), Duration.ofSeconds(15));
    public static final Duration DEFAULT_SESSION_LIFETIME = Duration.ofDays(30);

    /** With the defaults of everything after {@code virtualThreads}; the {@code with…} methods change the rest. */
    public ServerConfig(Path dataDir, String bind, int port, boolean embeddedAgent, String agentName, int agentCapacity,
                        Map<String, List<String>> agentLabels, FleetRegistry.Timing fleetTiming, boolean virtualThreads) {
        this(dataDir, bind, port, embeddedAgent, agentName, agentCapacity, agentLabels, fleetTiming, virtualThreads,
                DEFAULT_SESSION_LIFETIME, AgentLimits.DEFAULTS, null, null, null, RetentionPolicy.KEEP_EVERYTHING,
                Notifications.Settings.DEFAULTS);
    }

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, "127.0.0.1", 8080, true, "embedded", 0, Map.of(), DEFAULT_TIMING, true);
    }

    public ServerConfig withPort(int newPort) {
        return with(c -> c.port = newPort);
    }

    public ServerConfig withFleetTiming(FleetRegistry.Timing timing) {
        return with(c -> c.fleetTiming = timing);
    }

    public ServerConfig withAgentCapacity(int capacity) {
        return with(c -> c.agentCapacity = capacity);
    }

    public ServerConfig withDataDir(Path dir) {
        return with(c -> c.dataDir = dir);
    }

    public ServerConfig withSessionLifetime(Duration lifetime) {
        return with(c -> c.sessionLifetime = lifetime);
    }

    public ServerConfig withAgentLimits(AgentLimits limits) {
        return with(c -> c.agentLimits = limits);
    }

    public ServerConfig withGraphFile(Path file) {
        return with(c -> c.graphFile = file);
    }

    public ServerConfig withTls(TlsConfig newTls) {
        return with(c -> c.tls = newTls);
    }

    public ServerConfig withDatabase(String newDatabase) {
        return with(c -> c.database = newDatabase);
    }

    public ServerConfig withRetention(RetentionPolicy policy) {
        return with(c -> c.retention = policy);
    }

    public ServerConfig withNotifications(Notifications.Settings settings) {
        return with(c -> c.notifications = settings);
    }

    public ServerConfig withMaxInputBytes(long bytes) {
        return with(c -> c.maxInputBytes = bytes);
    }

    /** A copy with one change: each field is named once here, so a new setting is one line, not one per method. */
    private ServerConfig with(java.util.function.Consumer<Copy> change) {
        var c = new Copy(this);
        change.accept(c);
        return new ServerConfig(c.dataDir, bind, c.port, embeddedAgent, agentName, c.agentCapacity, agentLabels,
                c.fleetTiming, virtualThreads, c.sessionLifetime, c.agentLimits, c.graphFile, c.tls, c.database, c.retention,
                c.notifications, c.maxInputBytes);
    }

    /** The settings a {@code with…} method may change. */
    private static final class Copy {
        Path dataDir;
        int port;
        int agentCapacity;
        FleetRegistry.Timing fleetTiming;
        Duration sessionLifetime;
        AgentLimits agentLimits;
        Path graphFile;
        TlsConfig tls;
        String database;
        RetentionPolicy retention;
        Notifications.Settings notifications;
        long maxInputBytes;

        Copy(ServerConfig from) {
            dataDir = from.dataDir;
            port = from.port;
            agentCapacity = from.agentCapacity;
            fleetTiming = from.fleetTiming;
            sessionLifetime = from.sessionLifetime;
            agentLimits = from.agentLimits;
            graphFile = from.graphFile;
            tls = from.tls;
            database = from.database;
            retention = from.retention;
            notifications = from.notifications;
            maxInputBytes = from.maxInputBytes;
        }
    }
}
