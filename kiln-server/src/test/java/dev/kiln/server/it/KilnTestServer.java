package dev.kiln.server.it;

import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.http.AgentLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A real Kiln server on a free loopback port, with its embedded agent, over a temporary data dir. */
public final class KilnTestServer implements AutoCloseable {
    public final KilnServer server;
    public final Api api;

    private KilnTestServer(KilnServer server) {
        this.server = server;
        this.api = new Api(server.baseUrl(), server.adminToken());
    }

    public static KilnTestServer start(Path dataDir, int agentCapacity) {
        return start(dataDir, agentCapacity, AgentLimits.DEFAULTS);
    }

    public static KilnTestServer start(Path dataDir, int agentCapacity, AgentLimits limits) {
        return start(dataDir, agentCapacity, config -> config.withAgentLimits(limits));
    }

    /** The test defaults, changed by {@code adjust} (e.g. {@code c -> c.withSessionLifetime(…)}). */
    public static KilnTestServer start(Path dataDir, int agentCapacity, java.util.function.UnaryOperator<ServerConfig> adjust) {
        var config = new ServerConfig(dataDir, "127.0.0.1", 0, true, "embedded", agentCapacity, Map.of(),
                new FleetRegistry.Timing(Duration.ofSeconds(3), Duration.ofSeconds(6)), true);
        return new KilnTestServer(KilnServer.start(adjust.apply(config), new TestEmbeddedAgent()));
    }

    /**
     * Gives the server of data dir {@code to} the secrets key of {@code from}: servers of one database share the key
     * that seals job secrets (README, Scaling out).
     */
    public static void shareSecretsKey(Path from, Path to) throws java.io.IOException {
        java.nio.file.Files.createDirectories(to);
        java.nio.file.Files.copy(from.resolve("secrets.key"), to.resolve("secrets.key"));
    }

    /** As README's "Scaling out" says: the second server gets the first one's key and admin token. */
    public static void shareKeyAndAdminToken(Path from, Path to) throws java.io.IOException {
        shareSecretsKey(from, to);
        java.nio.file.Files.copy(from.resolve("admin-token"), to.resolve("admin-token"));
    }

    /** A server with no agent at all: jobs queue and stay queued until an agent connects. */
    public static KilnTestServer startWithoutAgent(Path dataDir) {
        return startWithoutAgent(dataDir, c -> c);
    }

    /** A server with no agent, its test defaults changed by {@code adjust}. */
    public static KilnTestServer startWithoutAgent(Path dataDir, java.util.function.UnaryOperator<ServerConfig> adjust) {
        var config = new ServerConfig(dataDir, "127.0.0.1", 0, false, "embedded", 0, Map.of(),
                new FleetRegistry.Timing(Duration.ofSeconds(3), Duration.ofSeconds(6)), true);
        return new KilnTestServer(KilnServer.start(adjust.apply(config), null));
    }

    @Override
    public void close() {
        server.close();
    }
}
