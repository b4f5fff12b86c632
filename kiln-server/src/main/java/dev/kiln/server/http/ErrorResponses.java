package dev.kiln.server.http;

import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.graph.GraphFileException;
import dev.kiln.server.graph.PlanException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.websocket.WsContext;
import dev.kiln.server.store.StoreUnavailableException;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.BadMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure a request can meet, as problem+json (RFC 9457) with a detail a person can act on: validation 400,
 * unknown 404, illegal transition 409, and Javalin's own errors. GET of a dashboard route that is not a file is
 * answered with the dashboard's single page.
 */
final class ErrorResponses {
    private static final Logger log = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {}

    static void install(Javalin app) {
        app.exception(ValidationException.class, (e, ctx) -> problem(ctx,
                new Problem("https://kiln.dev/problems/validation",
                        // the one other body that is validated field by field is a notification subscription
                        ctx.path().startsWith("/api/v1/notifications") ? "Invalid subscription" : "Invalid job", 400,
                        e.getMessage(), ctx.path(), e.errors())));
        app.exception(GraphFileException.class, (e, ctx) -> problem(ctx,
                new Problem("https://kiln.dev/problems/graph", "Invalid build graph", 400, e.getMessage(), ctx.path(), e.errors())));
        app.exception(PlanException.class, (e, ctx) -> problem(ctx,
                new Problem("https://kiln.dev/problems/plan", "Cannot plan", 400, e.getMessage(), ctx.path(), e.errors())));
        app.exception(NotFoundException.class, (e, ctx) -> problem(ctx, Problem.of(404, "Not found", e.getMessage())));
        app.exception(JobRefs.Ambiguous.class, (e, ctx) -> {
            // problem+json with an extension member: the jobs the prefix could mean, so a client can offer them
            var body = new java.util.LinkedHashMap<String, Object>();
            body.put("type", "about:blank");
            body.put("title", "Conflict");
            body.put("status", 409);
            body.put("detail", e.getMessage());
            body.put("instance", ctx.path());
            body.put("candidates", e.candidates());
            ctx.status(409).json(body).contentType(Problem.CONTENT_TYPE);
        });
        // the database is down or reconnecting: the request may succeed when tried again
        app.exception(StoreUnavailableException.class, (e, ctx) -> problem(ctx, Problem.of(503, "Service unavailable", e.getMessage())));
        app.exception(IllegalTransitionException.class, (e, ctx) -> problem(ctx, Problem.of(409, "Conflict", e.getMessage())));
        app.exception(ApiException.class, (e, ctx) -> {
            if (e.status() == 401) ctx.header("WWW-Authenticate", "Bearer");
            problem(ctx, Problem.of(e.status(), e.title(), e.getMessage()));
        });
        app.exception(HttpResponseException.class, (e, ctx) -> {
            String detail = e.getStatus() == 404 && e.getMessage().startsWith("Endpoint ") ? noSuchEndpoint(ctx) : e.getMessage();
            problem(ctx, Problem.of(e.getStatus(), titleFor(e.getStatus()), detail));
        });
        // Jetty's refusals raised inside a handler (e.g. a WebSocket upgrade it cannot parse) carry their own 4xx
        app.exception(BadMessageException.class, (e, ctx) -> {
            log.debug("{} {} refused by Jetty: {}", ctx.method(), ctx.path(), e.getMessage());
            problem(ctx, Problem.of(e.getCode(), ProblemErrorHandler.titleFor(e.getCode()), ProblemErrorHandler.detailFor(e.getCode())));
        });
        // Javalin decodes path parameters after matching; a bad %-escape in one is the client's mistake
        app.exception(IllegalArgumentException.class, (e, ctx) -> {
            if (String.valueOf(e.getMessage()).startsWith("URLDecoder")) {
                log.debug("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
                problem(ctx, Problem.of(400, "Bad request", "the URL's percent-encoding is invalid (a % must be followed by two hex digits); encode a literal % as %25"));
            } else {
                internal(ctx, e);
            }
        });
        app.exception(CompletionException.class, (e, ctx) -> {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalTransitionException ite) problem(ctx, Problem.of(409, "Conflict", ite.getMessage()));
            else if (cause instanceof NotFoundException nfe) problem(ctx, Problem.of(404, "Not found", nfe.getMessage()));
            else if (cause instanceof StoreUnavailableException sue) problem(ctx, Problem.of(503, "Service unavailable", sue.getMessage()));
            else internal(ctx, cause);
        });
        app.exception(Exception.class, (e, ctx) -> internal(ctx, e));
        app.wsException(Exception.class, ErrorResponses::webSocketFailed);
        app.error(404, ctx -> {
            if (isDashboardRoute(ctx)) {
                // the dashboard's own routes (/jobs/…, /queue, /submit, /login) are answered by its single page
                ctx.status(200).contentType("text/html; charset=utf-8").result(DashboardPage.indexHtml());
                return;
            }
            if (ctx.result() == null || ctx.result().isEmpty()) problem(ctx, Problem.of(404, "Not found", noSuchEndpoint(ctx)));
        });
        app.error(405, ctx -> problem(ctx, Problem.of(405, "Method not allowed", ctx.method() + " is not allowed on " + ctx.path())));
    }

    /**
     * A WebSocket whose path Jetty matched on upgrade but Javalin cannot match again once open (an odd encoding such
     * as {@code %2e%2e} or {@code ;params}): Javalin's lookup yields null. That is the client's odd path, closed with
     * 4404; anything else is a bug, logged with its stack.
     */
    private static void webSocketFailed(Exception e, WsContext ctx) {
        boolean unmatchedPath = e instanceof NullPointerException && e.getStackTrace().length > 0
                && e.getStackTrace()[0].getClassName().startsWith("io.javalin.websocket.");
        if (unmatchedPath) log.debug("WebSocket to an unmatched path closed: {}", e.toString());
        else log.error("WebSocket handler failed", e);
        try {
            if (ctx.session.isOpen()) ctx.closeSession(unmatchedPath ? 4404 : 1011, unmatchedPath ? "no such WebSocket endpoint" : "server error");
        } catch (RuntimeException closing) {
            log.debug("closing a failed WebSocket: {}", closing.toString());
        }
    }

    private static String noSuchEndpoint(Context ctx) {
        return "no such endpoint: " + ctx.method() + " " + ctx.path() + " (the API lives under /api/v1)";
    }

    private static boolean isDashboardRoute(Context ctx) {
        String p = ctx.path();
        return ctx.method() == HandlerType.GET && !p.startsWith("/api/") && !p.startsWith("/webjars/")
                && !p.startsWith("/health/") && (!p.contains(".") || NAMES_WITH_DOTS.matcher(p).matches());
    }

    /** Pages whose address holds a name that may have dots (a partition ref, a release version): never a file. */
    private static final java.util.regex.Pattern NAMES_WITH_DOTS = java.util.regex.Pattern.compile("^/(partitions|releases|builds|jobs)/.+");

    static void problem(Context ctx, Problem p) {
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
}
