package dev.kiln.server.http;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics} in the Prometheus text format, and the HTTP request metrics it shows. Requests are counted by
 * route template ({@code /api/v1/jobs/{id}}), never by raw path, so job ids cannot multiply the series; a path that
 * matched no route counts as {@code other}.
 */
public final class MetricsApi {
    static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final Runnable beforeScrape;

    /** {@code beforeScrape} brings the gauges that read a snapshot (queue, agents) up to date. */
    public MetricsApi(PrometheusMeterRegistry registry, Runnable beforeScrape) {
        this.registry = registry;
        this.beforeScrape = beforeScrape;
    }

    void scrape(Context ctx) {
        beforeScrape.run();
        ctx.contentType(TEXT_FORMAT).result(registry.scrape());
    }

    /** Every request is timed: its timer is looked up here, not built and registered again each time. */
    private final java.util.Map<RequestKind, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    private record RequestKind(String method, String route, int status) {}

    /** Counts every request; by its route when "METHOD /template" is one of {@code routes} (read per request). */
    void recordRequests(JavalinConfig config, Set<String> routes) {
        config.requestLogger.http((ctx, ms) -> {
            String route = routeOf(ctx);
            if (route == null || !routes.contains(ctx.method().name() + " " + route)) route = "other";
            timers.computeIfAbsent(new RequestKind(ctx.method().name(), route, ctx.statusCode()), k ->
                    Timer.builder("http.server.requests").description("HTTP requests by route template and status")
                            .tags("method", k.method(), "route", k.route(), "status", Integer.toString(k.status()))
                            .register(registry)).record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS);
        });
    }

    /** The route template that answered; null when the request ended before one (refused by a before-handler). */
    private static String routeOf(Context ctx) {
        try {
            return ctx.endpointHandlerPath();
        } catch (IllegalStateException endedInABeforeHandler) {
            return null; // Javalin refuses the question then; a request logger must never fail the request
        }
    }

    /**
     * A second listener with {@code /metrics} alone and no authentication, for scrapers ({@code --metrics-bind}).
     * It must not be reachable from outside: bind it to loopback or a private network.
     */
    public Javalin listen(String host, int port) {
        var metricsOnly = Javalin.create(config -> config.showJavalinBanner = false);
        metricsOnly.get("/metrics", this::scrape);
        ErrorResponses.install(metricsOnly);
        return metricsOnly.start(host, port);
    }
}
