package dev.kiln.server;

import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.core.Role;
import dev.kiln.server.auth.SessionService;
import dev.kiln.server.auth.SignInCodes;
import dev.kiln.server.auth.TokenService;
import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.fleet.Fleet;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.http.AdminApi;
import dev.kiln.server.http.AgentSocket;
import dev.kiln.server.http.ApiServer;
import dev.kiln.server.http.ArtifactsApi;
import dev.kiln.server.http.FollowUpsApi;
import dev.kiln.server.http.ReleasesApi;
import dev.kiln.server.jobs.Applications;
import dev.kiln.server.releases.Releases;
import dev.kiln.server.http.AuthApi;
import dev.kiln.server.http.Authenticator;
import dev.kiln.server.http.FinishedJobCache;
import dev.kiln.server.http.FleetApi;
import dev.kiln.server.http.InfrastructureApi;
import dev.kiln.server.http.GraphApi;
import dev.kiln.server.http.BuildsApi;
import dev.kiln.server.builds.BuildEngine;
import dev.kiln.server.graph.GraphRegistry;
import dev.kiln.server.graph.StoredGraphVersions;
import dev.kiln.server.jobs.JobSpecParser;
import dev.kiln.server.http.JobsApi;
import dev.kiln.server.http.LiveApi;
import dev.kiln.server.http.MetricsApi;
import dev.kiln.server.http.SessionsApi;
import dev.kiln.server.jobs.ActiveJobs;
import dev.kiln.server.jobs.AgentReports;
import dev.kiln.server.jobs.JobDispatch;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.jobs.JobLedger;
import dev.kiln.server.jobs.JobsOnAgents;
import dev.kiln.server.live.ActivityTracker;
import dev.kiln.server.live.LiveHub;
import dev.kiln.server.ops.Backups;
import dev.kiln.server.ops.Pins;
import dev.kiln.server.ops.Readiness;
import dev.kiln.server.ops.Retention;
import dev.kiln.server.notify.Notifications;
import dev.kiln.server.http.NotificationsApi;
import dev.kiln.server.scheduler.Dispatcher;
import dev.kiln.server.scheduler.DurationStats;
import dev.kiln.server.scheduler.JobQueue;
import dev.kiln.server.scheduler.QueueReport;
import dev.kiln.server.store.Store;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every long-lived object — store, engine parts, fleet, live hub, HTTP server, the
 * embedded agent — in dependency order, and stops them in reverse. Constructor injection only; nothing static.
 */
public final class KilnServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KilnServer.class);
    public static final String VERSION = "0.1.0";

    private final ServerConfig config;
    private final EmbeddedAgent embeddedAgent;
    private final EventBus bus = new EventBus();
    /** How often expired sessions are ended (and the streams they opened closed). */
    private static final java.time.Duration SESSION_SWEEP = java.time.Duration.ofSeconds(2);
    /** The fleet's loss timers, and the session sweep: light, periodic work on one thread. */
    private final ScheduledExecutorService fleetTimers = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kiln-fleet-timers"));
    private final Store store;
    private final dev.kiln.server.store.Lease lease;
    private final JobEngine engine;
    private final FleetRegistry fleet;
    private final ApiServer api;
    private final TokenService tokens;
    private final SessionService sessions;
    private final SignInCodes signInCodes;
    private final ActivityTracker activity;
    private final LiveHub hub;
    private final GraphRegistry graph;
    private final BuildEngine builds;
    /** Every meter of this server; nothing static, so servers in one JVM (tests) keep their own figures. */
    private final ServerMeters meters = new ServerMeters();
    private final KilnMetrics metrics = meters.metrics;
    private final MetricsApi metricsApi;
    private io.javalin.Javalin metricsListener;
    private final ArtifactFiles artifactFiles;
    private final Retention retention;
    private final Notifications notifications;
    /** Where the dashboard is, for links in notifications: the configured port until the server listens. */
    private volatile String publicBaseUrl;
    private final FinishedJobCache finishedJobs = new FinishedJobCache(10_000);
    /** The retention pass, on a thread of its own: a long pass never delays the fleet's timers. */
    private final ScheduledExecutorService retentionTimer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kiln-retention"));
    private SignInCodes.Issued firstSignInCode;
    private AutoCloseable runningAgent;

    private KilnServer(ServerConfig given, EmbeddedAgent embeddedAgent) {
        // Absolute from here on: workspaces, git and job processes must not depend on the current directory.
        this.config = given.withDataDir(given.dataDir().toAbsolutePath().normalize());
        this.embeddedAgent = embeddedAgent;
        // secrets are sealed at rest with a key of the data dir, made on the first start (0600)
        this.store = StoreFactory.open(config, bus, metrics);
        this.lease = StoreFactory.lease(config); // who runs the cluster-wide timers (docs/architecture.md, several servers)
        this.tokens = new TokenService(store);
        this.sessions = new SessionService(store, tokens, config.sessionLifetime());
        // streams opened with a session close when it expires, within this sweep's period
        fleetTimers.scheduleWithFixedDelay(() -> sessions.endExpired(java.time.Instant.now()),
                SESSION_SWEEP.toMillis(), SESSION_SWEEP.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        this.signInCodes = new SignInCodes(store, tokens);
        // on a shared database the streams show every server's events, read back from the store in id order
        this.hub = config.database() != null && !config.database().isBlank() ? LiveHub.tailing(store) : new LiveHub(bus);
        // before anything appends an event (recovery does): every event's deliveries commit with it
        this.publicBaseUrl = "http://" + hostForUri(config.bind()) + ":" + config.port();
        this.notifications = new Notifications(store, bus, () -> publicBaseUrl, config.notifications());

        var lock = new EngineLock();
        var queue = new JobQueue();
        var agents = new Fleet();
        var active = new ActiveJobs(queue);
        var ledger = new JobLedger(active, store, hub, metrics);
        // PostgreSQL may be shared by several servers: each job is claimed in the database before it is sent
        boolean sharedDatabase = config.database() != null && !config.database().isBlank();
        var dispatcher = new Dispatcher(wake -> new JobDispatch(lock, active, agents, ledger, metrics, sharedDatabase, wake));
        this.fleet = new FleetRegistry(lock, agents, store, config.fleetTiming(),
                new JobsOnAgents(active, agents, ledger, store), dispatcher::wake, fleetTimers);
        var durations = new DurationStats(store);
        var reports = new AgentReports(lock, active, fleet, ledger, store, durations, hub, dispatcher::wake, metrics);
        this.engine = new JobEngine(lock, store, active, ledger, fleet, reports, dispatcher, metrics);
        if (sharedDatabase) { // follow what the other servers do (docs/architecture.md, several servers)
            SharedDatabaseTimers.schedule(fleetTimers, config, store, lease, new SharedDatabaseTimers.Parts(lock, active,
                    agents, ledger, engine, fleet, dispatcher::wake), tokens, notifications);
        }
        var queueReport = new QueueReport(lock, queue, agents, durations, active::job, active::jobs);

        // kiln.yaml: its job fields follow the job rules (graph sits beside jobs, so it is handed the parser)
        this.graph = new GraphRegistry(JobSpecParser::parse, config.graphFile(), Duration.ofMillis(200));
        // on a shared database the latest version accepted by any server is in force on all (GraphRegistry)
        if (sharedDatabase) graph.sharedThrough(new StoredGraphVersions(store, serverName()), SharedDatabaseTimers.FOLLOW);
        this.builds = new BuildEngine(store, engine, bus, () -> graph.current().map(GraphRegistry.Loaded::graph).orElse(null));
        this.activity = new ActivityTracker(bus, engine::activeJobsSnapshot, builds::executing, hub);
        var gauges = new ServerGauges(meters.registry, lock, queue, active, fleet, hub);
        io.micrometer.core.instrument.Gauge.builder("kiln.timers.lease.held", lease, l -> l.held() ? 1 : 0)
                .description("1 on the server that runs the cluster-wide timers (the lease), else 0").register(meters.registry);
        this.metricsApi = new MetricsApi(meters.registry, gauges::refresh);
        this.artifactFiles = new ArtifactFiles(config.dataDir().resolve("artifacts"));
        // nothing is pinned until releases and build partitions exist: only active jobs are kept whatever their age
        this.retention = new Retention(store, config.retention(), Pins.NONE, config.dataDir().resolve("artifacts"),
                artifactFiles::path, finishedJobs::evict, metrics);
        this.api = buildApi(queueReport, hub);
    }

    /** The HTTP edge and its handlers. */
    private ApiServer buildApi(QueueReport queueReport, LiveHub hub) {
        var mapper = ApiServer.newMapper();
        var auth = new Authenticator(tokens, sessions);
        var fleetApi = new FleetApi(fleet, queueReport);
        var readiness = new Readiness(store).with("agents", () -> ServerReadiness.agents(fleet, config))
                .with("graph", () -> ServerReadiness.graph(graph)).with("timers", () -> ServerReadiness.timers(lease));
        return new ApiServer(new ApiServer.Handlers(
                auth,
                new AuthApi(tokens, sessions, signInCodes, auth, mapper),
                new SessionsApi(sessions, signInCodes, tokens, auth),
                new JobsApi(engine, queueReport, fleetApi, store, mapper, finishedJobs)
                        .withInputUploads(artifactFiles, config.dataDir().resolve("uploads"), config.maxInputBytes()),
                new LiveApi(hub, activity, store, mapper, auth),
                new ArtifactsApi(engine, store, artifactFiles),
                fleetApi,
                new AgentSocket(engine, fleet, tokens.agentBindings(), auth, config.agentLimits()),
                new InfrastructureApi(engine, queueReport, store, mapper),
                new GraphApi(graph, builds.lookup(), mapper),
                metricsApi,
                new AdminApi(retention, new Backups(store, config.dataDir(), retention), readiness),
                new NotificationsApi(notifications, store, mapper),
                new BuildsApi(builds, store, graph, mapper),
                new FollowUpsApi(new Applications(store, engine, fleet), engine, store, artifactFiles, mapper, finishedJobs,
                        fleetApi),
                new ReleasesApi(new Releases(store), store, artifactFiles, mapper, finishedJobs)), mapper,
                config.virtualThreads(), config.tls());
    }

    /**
     * Serves {@code /metrics} alone, without authentication, on another address for scrapers
     * ({@code kiln server --metrics-bind}); returns its port. Keep it off public networks.
     */
    public int openMetricsListener(String host, int port) {
        metricsListener = metricsApi.listen(host, port);
        return metricsListener.port();
    }

    /** The port of the metrics listener, or -1 without one. */
    public int metricsPort() {
        return metricsListener == null ? -1 : metricsListener.port();
    }

    public MeterRegistry meters() {
        return meters.registry;
    }


    /** Starts a server; {@code embeddedAgent} may be null when the config asks for none. */
    public static KilnServer start(ServerConfig config, EmbeddedAgent embeddedAgent) {
        if (config.embeddedAgent() && embeddedAgent == null) {
            throw new IllegalArgumentException("the config asks for an embedded agent but none was given");
        }
        var server = new KilnServer(config, embeddedAgent);
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
        String embeddedId = config.embeddedAgent() ? embeddedAgent.id(agentDir) : null;
        engine.recover(embeddedId);
        graph.start();
        builds.recover(); // after the jobs: a build applies what became of its jobs while the server was down
        String newAdminToken = tokens.ensureAdminToken(config.dataDir());
        // the first start's sign-in URL carries a one-time code, never the admin token itself
        if (newAdminToken != null) firstSignInCode = signInCodes.issue(tokens.verify(newAdminToken).orElseThrow().tokenId());
        api.start(config.bind(), config.port());
        publicBaseUrl = baseUrl();
        notifications.start(lease::held); // one sender in a cluster: the lease holder
        if (config.retention().limitsAnything()) {
            long every = config.retention().interval().toMillis();
            retentionTimer.scheduleWithFixedDelay(() -> { if (lease.held()) retention.runQuietly(); }, 0, every,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        log.info("Kiln {} listening on http://{}:{} (data in {})", VERSION, config.bind(), api.port(), config.dataDir());
        if (config.tls() != null) log.info("and on https://{}:{} (HTTP/2)", config.bind(), api.tlsPort());
        if (config.embeddedAgent()) {
            String host = config.bind().equals("0.0.0.0") || config.bind().equals("::") ? "127.0.0.1" : config.bind();
            runningAgent = embeddedAgent.start(new EmbeddedAgent.Settings(
                    URI.create("ws://" + hostForUri(host) + ":" + api.port() + "/api/v1/agent/ws"),
                    // a fresh token each start, never written anywhere: it dies with this process
                    tokens.createEphemeral("embedded agent", embeddedId).token(),
                    config.agentName(),
                    config.agentLabels(),
                    config.agentCapacity() > 0 ? config.agentCapacity() : Runtime.getRuntime().availableProcessors(),
                    agentDir,
                    VERSION));
        }
    }

    /** How this server names itself to the others of a shared database: its host and data dir (one per server). */
    private String serverName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + ":" + config.dataDir();
    }

    private static String hostForUri(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** On the first start (the admin token was created now), a one-time code to sign in as admin; else null. */
    public SignInCodes.Issued firstSignInCode() {
        return firstSignInCode;
    }

    public SignInCodes signInCodes() {
        return signInCodes;
    }

    /** The admin token kept in the data dir. */
    public String adminToken() {
        try {
            return Files.readString(config.dataDir().resolve("admin-token")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public TokenService tokens() {
        return tokens;
    }

    public int port() {
        return api.port();
    }

    /** The HTTPS port, or -1 when TLS is not configured. */
    public int tlsPort() {
        return api.tlsPort();
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

    public Path dataDir() {
        return config.dataDir();
    }

    public Retention retention() {
        return retention;
    }

    public EventBus bus() {
        return bus;
    }

    public GraphRegistry graph() {
        return graph;
    }

    public ApiServer api() {
        return api;
    }

    @Override
    public void close() {
        if (runningAgent != null) {
            try {
                runningAgent.close();
            } catch (Exception e) {
                log.warn("embedded agent did not stop cleanly", e);
            }
        }
        try {
            api.close();
            if (metricsListener != null) metricsListener.stop();
        } catch (RuntimeException e) {
            log.warn("http server did not stop cleanly", e);
        }
        activity.close();
        builds.close();
        graph.close();
        retentionTimer.shutdownNow();
        try {
            // a pass in progress ends its current step before the store closes under it
            retentionTimer.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        notifications.close();
        hub.close();
        engine.close();
        fleetTimers.shutdownNow();
        lease.close();
        store.close();
        meters.close();
    }
}
