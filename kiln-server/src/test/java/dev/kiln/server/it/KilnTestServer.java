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

    /** With the test defaults changed by {@code tweak} (e.g. {@code c -> c.withTls(...)}). */
    public static KilnTestServer start(Path dataDir, int agentCapacity, UnaryOperator<ServerConfig> tweak) {
        var config = new ServerConfig(dataDir, "127.0.0.1", 0, true, "embedded", agentCapacity, Map.of(),
                new FleetRegistry.Timing(Duration.ofSeconds(3), Duration.ofSeconds(6)), true);
        return new KilnTestServer(KilnServer.start(tweak.apply(config), new TestEmbeddedAgent()));
    }

    @Override
    public void close() {
        server.close();
    }
}
