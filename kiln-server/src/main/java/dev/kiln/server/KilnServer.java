package dev.kiln.server;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentConfig;
import dev.kiln.agent.AgentIdentity;
import dev.kiln.server.auth.TokenService;
import dev.kiln.server.auth.Role;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.http.ApiServer;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.sqlite.SqliteStore;
import dev.kiln.server.store.Store;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the store, the engine, the HTTP server and the embedded agent, in that order, and
 * stops them in reverse. Constructor injection only; nothing static.
 */
public final class KilnServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KilnServer.class);
    public static final String VERSION = "0.1.0";

    private final ServerConfig config;
    private final EventBus bus = new EventBus();
    private final Store store;
    private final JobEngine engine;
    private final ApiServer api;
    private final TokenService tokens;
    private final dev.kiln.server.live.LiveHub hub;
    private final dev.kiln.server.live.ActivityTracker activity;
    private String newAdminToken;
    private Agent embeddedAgent;

    private KilnServer(ServerConfig given) {
        // Absolute from here on: workspaces, git and job processes must not depend on the current directory.
        this.config = new ServerConfig(given.dataDir().toAbsolutePath().normalize(), given.bind(), given.port(),
                given.embeddedAgent(), given.agentName(), given.agentCapacity(), given.agentLabels(), given.engine());
        ServerConfig config = this.config;
        this.store = new SqliteStore(config.dataDir(), bus);
        this.engine = new JobEngine(store, config.engine());
        this.tokens = new TokenService(store);
        this.hub = new dev.kiln.server.live.LiveHub(bus, engine);
        this.activity = new dev.kiln.server.live.ActivityTracker(bus, engine, hub);
        this.api = new ApiServer(engine, store, new dev.kiln.server.artifacts.ArtifactFiles(config.dataDir().resolve("artifacts")), tokens, hub, activity);
    }

    public static KilnServer start(ServerConfig config) {
        var server = new KilnServer(config);
        try {
            server.run();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void run() {
        Path agentDir = config.dataDir().resolve("agent");
        String embeddedId = config.embeddedAgent() ? AgentIdentity.loadOrCreate(agentDir) : null;
        engine.recover(embeddedId);
        newAdminToken = tokens.ensureAdminToken(config.dataDir());
        api.start(config.bind(), config.port());
        log.info("Kiln {} listening on http://{}:{} (data in {})", VERSION, config.bind(), api.port(), config.dataDir());
        if (config.embeddedAgent()) {
            String host = config.bind().equals("0.0.0.0") || config.bind().equals("::") ? "127.0.0.1" : config.bind();
            var agentConfig = new AgentConfig(
                    URI.create("ws://" + hostForUri(host) + ":" + api.port() + "/api/v1/agent/ws"),
                    // a fresh token each start, never written anywhere: it dies with this process
                    tokens.createEphemeral("embedded agent", Role.AGENT).token(),
                    config.agentName(),
                    config.agentLabels(),
                    config.agentCapacity() > 0 ? config.agentCapacity() : Runtime.getRuntime().availableProcessors(),
                    agentDir,
                    VERSION,
                    Duration.ofMillis(200));
            embeddedAgent = new Agent(agentConfig);
            embeddedAgent.start();
        }
    }

    private static String hostForUri(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** The admin token if this start created it (first start), else null: shown once as a login URL. */
    public String newAdminToken() {
        return newAdminToken;
    }

    /** The admin token kept in the data dir. */
    public String adminToken() {
        try {
            return java.nio.file.Files.readString(config.dataDir().resolve("admin-token")).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public TokenService tokens() {
        return tokens;
    }

    public int port() {
        return api.port();
    }

    public String baseUrl() {
        return "http://" + hostForUri(config.bind()) + ":" + port();
    }

    public JobEngine engine() {
        return engine;
    }

    public Store store() {
        return store;
    }

    public EventBus bus() {
        return bus;
    }

    public ApiServer api() {
        return api;
    }

    @Override
    public void close() {
        if (embeddedAgent != null) {
            try {
                embeddedAgent.close();
            } catch (RuntimeException e) {
                log.warn("embedded agent did not stop cleanly", e);
            }
        }
        try {
            api.close();
        } catch (RuntimeException e) {
            log.warn("http server did not stop cleanly", e);
        }
        activity.close();
        engine.close();
        store.close();
    }
}
