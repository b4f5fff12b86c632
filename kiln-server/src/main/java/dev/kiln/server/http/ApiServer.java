package dev.kiln.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.Json;
import dev.kiln.server.core.Role;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP edge: the route table (each route with the role it needs), the WebSockets, static files, and
 * problem+json errors. The handlers are built by the composition root and handed in.
 */
public final class ApiServer implements AutoCloseable {
    /** A route of the API and the role it needs. The table is walked by the access-control test. */
    public record Route(HandlerType method, String path, Role role) {}

    /** The handlers of every endpoint. */
    public record Handlers(Authenticator auth, AuthApi sessions, SessionsApi sessionList, JobsApi jobs, LiveApi live,
                           ArtifactsApi artifacts, FleetApi fleet, AgentSocket agents,
                           InfrastructureApi infrastructure, GraphApi graph, MetricsApi metrics, AdminApi admin,
                           NotificationsApi notifications, BuildsApi builds, FollowUpsApi followUps,
                           ReleasesApi releases) {}

    private final Javalin app;
    private final LiveApi live;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, Role> roleByRoute = new HashMap<>();
    private volatile String listenHost;
    private volatile int listenPort;
    /** Built last, from every route: a route's documentation lives in api/openapi.yaml (OpenApiIT checks it). */
    private OpenApiApi openApi; // set once, at the end of the constructor (its routes refer to it)

    /** The JSON mapper of the API: strict on input (no duplicate keys, no trailing tokens), nulls written out. */
    public static ObjectMapper newMapper() {
        return Json.newMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** {@code virtualThreads}: requests (and so every stream client) run on virtual threads. */
    public ApiServer(Handlers h, ObjectMapper mapper, boolean virtualThreads) {
        this(h, mapper, virtualThreads, null);
    }

    /** {@code tls}: also serve HTTPS (h2 and HTTP/1.1) on its port; null for the plain port only. */
    public ApiServer(Handlers h, ObjectMapper mapper, boolean virtualThreads, TlsConfig tls) {
        this.live = h.live();
        this.app = Javalin.create(config -> {
            // the plain port first (port() reads it), then HTTPS: each speaks HTTP/2 beside HTTP/1.1 (Connectors)
            config.jetty.addConnector((server, http) -> Connectors.plain(server, http, listenHost, listenPort));
            if (tls != null) config.jetty.addConnector((server, http) -> Connectors.tls(server, http, listenHost, tls));
            config.showJavalinBanner = false;
            // streams hold a request open per client: virtual threads make hundreds of them cheap
            config.useVirtualThreads = virtualThreads;
            config.jsonMapper(new JavalinJackson(mapper, false));
            config.http.maxRequestSize = Requests.MAX_BODY_BYTES;
            // Jetty's per-connection cache of header fields is a trie of ~100 KB built at a connection's first request
            // and kept while the connection is open: clients holding hundreds of keep-alive connections (the `api`
            // benchmark: ~8,000 in 30 s of idle timeout) pinned hundreds of MiB. Parsing a header anew costs far less.
            config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
            // what Jetty answers itself (bad request line, URL or headers too large) is problem+json too
            var jettyErrors = new ProblemErrorHandler(mapper);
            config.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors));
            config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(jettyErrors));
            config.jetty.modifyWebSocketServletFactory(f -> {
                f.setMaxTextMessageSize(64L * 1024 * 1024);
                // Jetty starts every text message in a builder of this many chars (default 4 KiB): most frames (an
                // agent's started, finished, heartbeat) are a few hundred bytes, and those builders were 30 % of all
                // that the server allocated; a larger message grows its builder, and reads take more, smaller bites
                f.setInputBufferSize(1024);
                f.setIdleTimeout(Duration.ofSeconds(120));
            });
            config.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars();
            h.metrics().recordRequests(config, roleByRoute.keySet());
        });
        // one place decides access: the role each route declared
        app.beforeMatched(ctx -> h.auth().check(ctx, roleByRoute.getOrDefault(ctx.method().name() + " " + ctx.endpointHandlerPath(), Role.PUBLIC)));
        route(HandlerType.POST, "/api/v1/session", Role.PUBLIC, h.sessions()::signIn);
        route(HandlerType.GET, "/api/v1/session", Role.PUBLIC, h.sessions()::whoAmI);
        route(HandlerType.DELETE, "/api/v1/session", Role.PUBLIC, h.sessions()::signOut);
        route(HandlerType.GET, "/api/v1/sessions", Role.VIEWER, h.sessionList()::list);
        route(HandlerType.DELETE, "/api/v1/sessions/{id}", Role.VIEWER, h.sessionList()::revoke);
        route(HandlerType.POST, "/api/v1/sign-in-codes", Role.ADMIN, h.sessionList()::createSignInCode);
        route(HandlerType.POST, "/api/v1/tokens", Role.ADMIN, h.sessions()::create);
        route(HandlerType.GET, "/api/v1/tokens", Role.ADMIN, h.sessions()::list);
        route(HandlerType.DELETE, "/api/v1/tokens/{id}", Role.ADMIN, h.sessions()::revoke);

        route(HandlerType.POST, "/api/v1/jobs", Role.OPERATOR, h.jobs()::submit);
        route(HandlerType.GET, "/api/v1/jobs", Role.VIEWER, h.jobs()::list);
        route(HandlerType.GET, "/api/v1/jobs/{id}", Role.VIEWER, h.jobs()::get);
        route(HandlerType.GET, "/api/v1/jobs/{id}/status", Role.VIEWER, h.jobs()::status);
        route(HandlerType.GET, "/api/v1/jobs/{id}/logs", Role.VIEWER, h.jobs()::logs);
        route(HandlerType.GET, "/api/v1/jobs/{id}/logs.txt", Role.VIEWER, h.jobs()::rawLogs);
        route(HandlerType.GET, "/api/v1/jobs/{id}/events", Role.VIEWER, h.jobs()::events);
        route(HandlerType.POST, "/api/v1/jobs/{id}/cancel", Role.OPERATOR, h.jobs()::cancel);
        route(HandlerType.PUT, "/api/v1/jobs/{id}/cancel", Role.OPERATOR, h.jobs()::cancel);
        route(HandlerType.POST, "/api/v1/jobs/{id}/rerun", Role.OPERATOR, h.jobs()::rerun);
        route(HandlerType.POST, "/api/v1/jobs/{id}/stop", Role.OPERATOR, h.jobs()::stop);
        route(HandlerType.GET, "/api/v1/services", Role.VIEWER, h.jobs()::services);
        route(HandlerType.POST, "/api/v1/jobs/{id}/apply", Role.OPERATOR, h.followUps()::apply);
        route(HandlerType.GET, "/api/v1/jobs/{id}/inputs/<path>", Role.VIEWER, h.followUps()::download);
        route(HandlerType.GET, "/api/v1/agent/jobs/{id}/inputs/<path>", Role.AGENT, h.followUps()::download);
        route(HandlerType.POST, "/api/v1/jobs/{id}/promote", Role.OPERATOR, h.releases()::promote);
        route(HandlerType.GET, "/api/v1/releases", Role.VIEWER, h.releases()::list);
        route(HandlerType.GET, "/api/v1/releases/{name}/{version}", Role.VIEWER, h.releases()::get);
        route(HandlerType.GET, "/api/v1/releases/{name}/{version}/manifest", Role.VIEWER, h.releases()::manifest);
        route(HandlerType.GET, "/api/v1/releases/{name}/{version}/files/<path>", Role.VIEWER, h.releases()::file);

        route(HandlerType.GET, "/api/v1/stream", Role.VIEWER, h.live()::stream);
        route(HandlerType.GET, "/api/v1/jobs/{id}/logs/stream", Role.VIEWER, h.live()::logStream);
        route(HandlerType.GET, "/api/v1/activity", Role.VIEWER, h.live()::activity);
        app.ws("/api/v1/jobs/{id}/events/ws", h.live()::configureJobSocket);

        route(HandlerType.GET, "/api/v1/jobs/{id}/artifacts", Role.VIEWER, h.artifacts()::list);
        route(HandlerType.GET, "/api/v1/jobs/{id}/artifacts/<name>", Role.VIEWER, h.artifacts()::download);
        route(HandlerType.PUT, "/api/v1/agent/jobs/{id}/artifacts", Role.AGENT, h.artifacts()::upload);

        route(HandlerType.GET, "/api/v1/queue", Role.VIEWER, h.fleet()::queue);
        route(HandlerType.GET, "/api/v1/workers", Role.VIEWER, h.fleet()::workers);
        route(HandlerType.GET, "/api/v1/workers/{id}", Role.VIEWER, h.fleet()::worker);
        route(HandlerType.POST, "/api/v1/workers/{id}/drain", Role.OPERATOR, h.fleet()::drain);
        route(HandlerType.POST, "/api/v1/workers/{id}/resume", Role.OPERATOR, h.fleet()::resume);
        route(HandlerType.POST, "/api/v1/workers/{id}/disable", Role.ADMIN, h.fleet()::disable);
        // seed 001's own API over the same engine; queue/status before {id}/status, so "queue" is never taken for an id
        String seed = InfrastructureApi.BASE;
        route(HandlerType.POST, seed, Role.OPERATOR, h.infrastructure()::submit);
        route(HandlerType.GET, seed, Role.VIEWER, h.infrastructure()::list);
        route(HandlerType.GET, seed + "/queue/status", Role.VIEWER, h.infrastructure()::queueStatus);
        route(HandlerType.GET, seed + "/{id}", Role.VIEWER, h.infrastructure()::get);
        route(HandlerType.GET, seed + "/{id}/status", Role.VIEWER, h.infrastructure()::status);
        route(HandlerType.GET, seed + "/{id}/logs", Role.VIEWER, h.infrastructure()::logs);
        route(HandlerType.PUT, seed + "/{id}/cancel", Role.OPERATOR, h.infrastructure()::cancel);
        route(HandlerType.POST, seed + "/{id}/cancel", Role.OPERATOR, h.infrastructure()::cancel);

        route(HandlerType.GET, "/api/v1/graph", Role.VIEWER, h.graph()::get);
        route(HandlerType.PUT, "/api/v1/graph", Role.ADMIN, h.graph()::put);
        route(HandlerType.POST, "/api/v1/graph/analyze", Role.VIEWER, h.graph()::analyze);
        route(HandlerType.GET, "/api/v1/graph/jobs/{name}/metrics", Role.VIEWER, h.builds()::jobMetrics);
        route(HandlerType.POST, "/api/v1/builds", Role.OPERATOR, h.builds()::submit);
        route(HandlerType.GET, "/api/v1/builds", Role.VIEWER, h.builds()::list);
        route(HandlerType.GET, "/api/v1/builds/{id}", Role.VIEWER, h.builds()::get);
        route(HandlerType.GET, "/api/v1/builds/{id}/partitions", Role.VIEWER, h.builds()::partitions);
        route(HandlerType.GET, "/api/v1/builds/{id}/events", Role.VIEWER, h.builds()::events);
        route(HandlerType.POST, "/api/v1/builds/{id}/cancel", Role.OPERATOR, h.builds()::cancel);
        route(HandlerType.GET, "/api/v1/partitions", Role.VIEWER, h.builds()::partitionList);
        // <ref>: a ref holds '/' (sent as %2F); the server decodes it before routing, so the parameter spans segments
        route(HandlerType.GET, "/api/v1/partitions/<ref>/status", Role.VIEWER, h.builds()::partitionStatus);
        route(HandlerType.GET, "/api/v1/partitions/<ref>/events", Role.VIEWER, h.builds()::partitionEvents);
        route(HandlerType.GET, "/health/live", Role.PUBLIC, ctx -> ctx.json(Map.of("status", "up")));
        route(HandlerType.GET, "/health/ready", Role.PUBLIC, h.admin()::ready);
        route(HandlerType.POST, "/api/v1/admin/prune", Role.ADMIN, h.admin()::prune);
        route(HandlerType.POST, "/api/v1/admin/backup", Role.ADMIN, h.admin()::backup);
        route(HandlerType.POST, "/api/v1/notifications", Role.ADMIN, h.notifications()::create);
        route(HandlerType.GET, "/api/v1/notifications", Role.ADMIN, h.notifications()::list);
        route(HandlerType.DELETE, "/api/v1/notifications/{id}", Role.ADMIN, h.notifications()::delete);
        route(HandlerType.GET, "/api/v1/notifications/{id}/deliveries", Role.ADMIN, h.notifications()::deliveries);
        route(HandlerType.POST, "/api/v1/notifications/{id}/test", Role.ADMIN, h.notifications()::test);
        route(HandlerType.GET, "/api/v1/jobs/{id}/notifications", Role.VIEWER, h.notifications()::ofJob);
        route(HandlerType.GET, "/metrics", Role.VIEWER, h.metrics()::scrape);
        route(HandlerType.GET, "/api/openapi.json", Role.PUBLIC, ctx -> openApi.openApi(ctx));
        route(HandlerType.GET, "/api/docs", Role.PUBLIC, ctx -> openApi.docs(ctx));
        app.ws("/api/v1/agent/ws", h.agents()::configure);

        ErrorResponses.install(app);
        this.openApi = new OpenApiApi(routes, mapper);
    }

    private void route(HandlerType method, String path, Role role, Handler handler) {
        routes.add(new Route(method, path, role));
        roleByRoute.put(method.name() + " " + path, role);
        app.addHttpHandler(method, path, handler);
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The OpenAPI document built from the route table and api/openapi.yaml. */
    public OpenApiDocument openApi() {
        return openApi.document();
    }

    public ApiServer start(String host, int port) {
        // read by the connectors, which Javalin builds as it starts
        this.listenHost = host;
        this.listenPort = port;
        app.start();
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Clients of the global event stream connected now. */
    public int openStreams() {
        return live.openStreams();
    }

    /** The HTTPS port, or -1 without TLS. */
    public int tlsPort() {
        return Connectors.tlsPort(app.jettyServer().server());
    }

    @Override
    public void close() {
        live.close();
        app.stop();
    }
}
