package dev.kiln.server.http;

import dev.kiln.server.core.Role;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.Json;
import dev.kiln.server.fleet.AgentState;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.auth.TokenService;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.live.ActivityTracker;
import dev.kiln.server.live.LiveHub;
import dev.kiln.server.scheduler.QueueReport;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.store.Store;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP edge: routes (each with the role it needs), problem+json errors, the agent WebSocket. */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /** A route of the API and the role it needs. The table is walked by the access-control test. */
    public record Route(HandlerType method, String path, Role role) {}

    private final Javalin app;
    private final List<Route> routes = new ArrayList<>();
    private final LiveApi live;

    private final java.util.Map<String, Role> roleByRoute = new java.util.HashMap<>();

    /** What the HTTP edge serves: the services the composition root built. */
    public record Services(JobEngine engine, FleetRegistry fleet, QueueReport queue, Store store,
                           ArtifactFiles artifactFiles, TokenService tokens, LiveHub hub, ActivityTracker activity) {}

    public ApiServer(Services services, boolean virtualThreads) {
        JobEngine engine = services.engine();
        Store store = services.store();
        ObjectMapper mapper = Json.newMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        var auth = new Authenticator(services.tokens());
        var agentSocket = new AgentSocket(engine, auth);
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            // Streams hold a request open per client: virtual threads make hundreds of them cheap.
            config.useVirtualThreads = virtualThreads;
            config.jsonMapper(new JavalinJackson(mapper, false));
            config.http.maxRequestSize = Requests.MAX_BODY_BYTES;
            config.jetty.modifyWebSocketServletFactory(f -> {
                f.setMaxTextMessageSize(64L * 1024 * 1024);
                f.setIdleTimeout(java.time.Duration.ofSeconds(120));
            });
            config.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/web";
                s.location = io.javalin.http.staticfiles.Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars();
        });
        // One place decides access: the role each route declared.
        app.beforeMatched(ctx -> auth.check(ctx, roleByRoute.getOrDefault(ctx.method().name() + " " + ctx.endpointHandlerPath(), Role.PUBLIC)));
        var sessions = new AuthApi(services.tokens(), auth, mapper);
        var fleet = new FleetApi(services.fleet(), services.queue(), store);
        route(HandlerType.POST, "/api/v1/session", Role.PUBLIC, sessions::signIn);
        route(HandlerType.GET, "/api/v1/session", Role.PUBLIC, sessions::whoAmI);
        route(HandlerType.DELETE, "/api/v1/session", Role.PUBLIC, sessions::signOut);
        route(HandlerType.POST, "/api/v1/tokens", Role.ADMIN, sessions::create);
        route(HandlerType.GET, "/api/v1/tokens", Role.ADMIN, sessions::list);
        route(HandlerType.DELETE, "/api/v1/tokens/{id}", Role.ADMIN, sessions::revoke);
        var jobs = new JobsApi(engine, services.queue(), fleet, store, mapper);
        route(HandlerType.POST, "/api/v1/jobs", Role.OPERATOR, jobs::submit);
        route(HandlerType.GET, "/api/v1/jobs", Role.VIEWER, jobs::list);
        route(HandlerType.GET, "/api/v1/jobs/{id}", Role.VIEWER, jobs::get);
        route(HandlerType.GET, "/api/v1/jobs/{id}/status", Role.VIEWER, jobs::status);
        route(HandlerType.GET, "/api/v1/jobs/{id}/logs", Role.VIEWER, jobs::logs);
        route(HandlerType.GET, "/api/v1/jobs/{id}/logs.txt", Role.VIEWER, jobs::rawLogs);
        route(HandlerType.GET, "/api/v1/jobs/{id}/events", Role.VIEWER, jobs::events);
        route(HandlerType.POST, "/api/v1/jobs/{id}/cancel", Role.OPERATOR, jobs::cancel);
        route(HandlerType.PUT, "/api/v1/jobs/{id}/cancel", Role.OPERATOR, jobs::cancel);
        route(HandlerType.POST, "/api/v1/jobs/{id}/rerun", Role.OPERATOR, jobs::rerun);
        this.live = new LiveApi(services.hub(), services.activity(), store, mapper, auth);
        route(HandlerType.GET, "/api/v1/stream", Role.VIEWER, live::stream);
        route(HandlerType.GET, "/api/v1/jobs/{id}/logs/stream", Role.VIEWER, live::logStream);
        route(HandlerType.GET, "/api/v1/activity", Role.VIEWER, live::activity);
        app.ws("/api/v1/jobs/{id}/events/ws", live::configureJobSocket);
        var artifacts = new ArtifactsApi(store, services.artifactFiles());
        route(HandlerType.GET, "/api/v1/jobs/{id}/artifacts", Role.VIEWER, artifacts::list);
        route(HandlerType.GET, "/api/v1/jobs/{id}/artifacts/<name>", Role.VIEWER, artifacts::download);
        route(HandlerType.PUT, "/api/v1/agent/jobs/{id}/artifacts", Role.AGENT, artifacts::upload);
        route(HandlerType.GET, "/api/v1/queue", Role.VIEWER, fleet::queue);
        route(HandlerType.GET, "/api/v1/workers", Role.VIEWER, fleet::workers);
        route(HandlerType.GET, "/api/v1/workers/{id}", Role.VIEWER, fleet::worker);
        route(HandlerType.POST, "/api/v1/workers/{id}/drain", Role.OPERATOR, fleet::drain);
        route(HandlerType.POST, "/api/v1/workers/{id}/resume", Role.OPERATOR, fleet::resume);
        route(HandlerType.POST, "/api/v1/workers/{id}/disable", Role.ADMIN, fleet::disable);
        route(HandlerType.GET, "/health/live", Role.PUBLIC, ctx -> ctx.json(java.util.Map.of("status", "up")));
        route(HandlerType.GET, "/health/ready", Role.PUBLIC, fleet::ready);
        app.ws("/api/v1/agent/ws", agentSocket::configure);

        app.exception(ValidationException.class, (e, ctx) -> {
            var p = new Problem("https://kiln.dev/problems/validation", "Invalid job", 400, e.getMessage(), ctx.path(), e.errors());
            problem(ctx, p);
        });
        app.exception(NotFoundException.class, (e, ctx) -> problem(ctx, Problem.of(404, "Not found", e.getMessage())));
        app.exception(IllegalTransitionException.class, (e, ctx) -> problem(ctx, Problem.of(409, "Conflict", e.getMessage())));
        app.exception(ApiException.class, (e, ctx) -> {
            if (e.status() == 401) ctx.header("WWW-Authenticate", "Bearer");
            problem(ctx, Problem.of(e.status(), e.title(), e.getMessage()));
        });
        app.exception(HttpResponseException.class, (e, ctx) -> {
            String detail = e.getStatus() == 404 && e.getMessage().startsWith("Endpoint ")
                    ? "no such endpoint: " + ctx.method() + " " + ctx.path() + " (the API lives under /api/v1)"
                    : e.getMessage();
            problem(ctx, Problem.of(e.getStatus(), titleFor(e.getStatus()), detail));
        });
        app.exception(CompletionException.class, (e, ctx) -> {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalTransitionException ite) problem(ctx, Problem.of(409, "Conflict", ite.getMessage()));
            else if (cause instanceof NotFoundException nfe) problem(ctx, Problem.of(404, "Not found", nfe.getMessage()));
            else internal(ctx, cause);
        });
        app.exception(Exception.class, (e, ctx) -> internal(ctx, e));
        app.error(404, ctx -> {
            if (isDashboardRoute(ctx)) {
                // The dashboard's own routes (/jobs/…, /queue, /submit, /login) are answered by its single page.
                ctx.status(200).contentType("text/html; charset=utf-8").result(indexHtml());
                return;
            }
            if (ctx.result() == null || ctx.result().isEmpty()) {
                problem(ctx, Problem.of(404, "Not found", "no such endpoint: " + ctx.method() + " " + ctx.path()
                        + " (the API lives under /api/v1)"));
            }
        });
        app.error(405, ctx -> problem(ctx, Problem.of(405, "Method not allowed", ctx.method() + " is not allowed on " + ctx.path())));
    }

    private static boolean isDashboardRoute(Context ctx) {
        String p = ctx.path();
        return ctx.method() == HandlerType.GET && !p.startsWith("/api/") && !p.startsWith("/webjars/")
                && !p.startsWith("/health/") && !p.contains(".");
    }

    private byte[] index;

    private byte[] indexHtml() {
        if (index == null) {
            try (var in = ApiServer.class.getResourceAsStream("/web/index.html")) {
                index = in.readAllBytes();
            } catch (java.io.IOException | NullPointerException e) {
                throw new IllegalStateException("the dashboard is missing from the jar", e);
            }
        }
        return index;
    }

    private void route(HandlerType method, String path, Role role, Handler handler) {
        routes.add(new Route(method, path, role));
        roleByRoute.put(method.name() + " " + path, role);
        app.addHttpHandler(method, path, handler);
    }

    public List<Route> routes() {
        return List.copyOf(routes);
    }

    public ApiServer start(String host, int port) {
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    private static void problem(Context ctx, Problem p) {
        Problem withInstance = p.instance() == null
                ? new Problem(p.type(), p.title(), p.status(), p.detail(), ctx.path(), p.errors()) : p;
        ctx.status(p.status()).json(withInstance).contentType(Problem.CONTENT_TYPE);
    }

    private static void internal(Context ctx, Throwable e) {
        log.error("{} {} failed", ctx.method(), ctx.path(), e);
        problem(ctx, Problem.of(500, "Internal error", "the server failed to handle this request; the server log has the details"));
    }

    private static String titleFor(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 413 -> "Content too large";
            case 415 -> "Unsupported media type";
            default -> "Error";
        };
    }

    @Override
    public void close() {
        live.close();
        app.stop();
    }
}
