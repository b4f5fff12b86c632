package dev.kiln.server.http;

import dev.kiln.server.core.Role;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Job;
import dev.kiln.server.live.ActivityTracker;
import dev.kiln.server.live.EventFeed;
import dev.kiln.server.live.EventFilter;
import dev.kiln.server.live.JobFeed;
import dev.kiln.server.live.LiveHub;
import dev.kiln.server.logs.NumberedLine;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live endpoints: the global event stream and a job's log stream (SSE), a job's WebSocket (lines, events and a
 * closing sentinel), and what is busy now. Each client has its own (virtual) thread and a bounded inbox.
 */
public final class LiveApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveApi.class);
    static final long PING_MS = 15_000;
    private static final long WAKE_MS = 500;

    private final LiveHub hub;
    private final ActivityTracker activity;
    private final Store store;
    private final ObjectMapper mapper;
    private final Authenticator auth;
    private final Map<String, Socket> sockets = new ConcurrentHashMap<>();
    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile boolean closing;

    public LiveApi(LiveHub hub, ActivityTracker activity, Store store, ObjectMapper mapper, Authenticator auth) {
        this.hub = hub;
        this.activity = activity;
        this.store = store;
        this.mapper = mapper;
        this.auth = auth;
    }

    void activity(Context ctx) {
        ctx.json(activity.current());
    }

    /**
     * {@code GET /api/v1/stream?kinds=&job=}: events from now on; with {@code Last-Event-ID} or {@code ?since=} (alias
     * {@code ?after=}) first the ones missed, at most {@link EventFeed#MAX_REPLAY} read, else a {@code reset}. After
     * the replay, {@code ready} carries the cursor, so a client that saw no event yet can still resume.
     */
    void stream(Context ctx) throws IOException, InterruptedException {
        OptionalLong since = cursor(ctx, ctx.queryParam("since") != null ? "since" : "after");
        var filter = EventFilter.of(ctx.queryParam("job"), ctx.queryParam("kinds"));
        openStreams.incrementAndGet();
        try (var feed = new EventFeed(hub, store, since, filter); var watch = watch(ctx)) {
            var sse = new SseWriter(ctx, mapper);
            long sentId = since.orElse(-1); // ids on the wire only increase: ready repeats none the client has
            while (!closing && !watch.revoked() && !feed.overflowed()) {
                for (var item : feed.next(WAKE_MS)) {
                    switch (item) {
                        case EventFeed.Item.Delivered(Event e) when e.id() == 0 -> sse.event(null, e.kind(), e.data());
                        case EventFeed.Item.Delivered(Event e) -> {
                            sse.event(Long.toString(e.id()), e.kind(), Views.event(e));
                            sentId = e.id();
                        }
                        case EventFeed.Item.Reset r -> {
                            sse.event(Long.toString(r.cursor()), "reset", Map.of(
                                    "reason", "more than " + EventFeed.MAX_REPLAY + " events were missed: reload what you show",
                                    "missed_after", r.missedAfter(), "cursor", r.cursor()));
                            sentId = r.cursor();
                        }
                        case EventFeed.Item.Ready r -> {
                            sse.event(r.cursor() > sentId ? Long.toString(r.cursor()) : null, "ready",
                                    Map.of("cursor", r.cursor(), "replayed", r.replayed()));
                            sentId = Math.max(sentId, r.cursor());
                            // what is busy now: a header indicator needs no second request
                            if (filter.wantsActivity()) sse.event(null, "activity", activity.current());
                        }
                    }
                }
                sse.flushOrPing(PING_MS);
            }
        } catch (IOException gone) {
            // the client went away: nothing to clean up beyond the subscription
        } catch (RuntimeException e) {
            endedByShutdown(e);
        } finally {
            openStreams.decrementAndGet();
        }
    }

    /** Clients of {@code /api/v1/stream} connected now (a browser's tabs share one). */
    public int openStreams() {
        return openStreams.get();
    }

    /** {@code GET /api/v1/jobs/{id}/logs/stream?attempt=&after=}: lines in batches, then {@code end}. */
    void logStream(Context ctx) throws IOException, InterruptedException {
        Job job = JobRefs.job(store, ctx);
        JobsApi.requireLog(store, job);
        long after = cursor(ctx, "after").orElse(0);
        int attempt = (int) Requests.longParam(ctx, "attempt", 0, 0, Integer.MAX_VALUE);
        if (attempt > Math.max(1, job.attempt())) throw new dev.kiln.server.core.NotFoundException("job " + job.id() + " has no attempt " + attempt);
        try (var feed = new JobFeed(hub, store, job, attempt, after, -1, false, false); var watch = watch(ctx)) {
            var sse = new SseWriter(ctx, mapper);
            while (!closing && !watch.revoked() && !feed.overflowed()) {
                for (var item : feed.next(WAKE_MS)) {
                    switch (item) {
                        case JobFeed.Item.Lines l -> {
                            sse.event(Long.toString(l.lines().get(l.lines().size() - 1).number()), "lines", linesBody(l));
                        }
                        case JobFeed.Item.Closed c -> {
                            sse.event(null, "end", Map.of("status", c.status(), "attempt", c.attempt(), "total_lines", c.totalLines()));
                            sse.flush();
                            return;
                        }
                        case JobFeed.Item.EventItem ignored -> { }
                    }
                }
                sse.flushOrPing(PING_MS);
            }
        } catch (IOException gone) {
            // the client went away
        } catch (RuntimeException e) {
            endedByShutdown(e);
        }
    }

    /** The stream ends (within {@link #WAKE_MS}) when the token or session it was opened with is revoked. */
    private OpenConnections.Handle watch(Context ctx) {
        return auth.watch(auth.principal(ctx).orElseThrow(), () -> { });
    }

    /** A stream still open while the server stops meets a closed store: that is the end of it, not an error. */
    private void endedByShutdown(RuntimeException e) {
        if (!closing) throw e;
        log.debug("a stream ended by the server's shutdown: {}", e.toString());
    }

    /** {@code WS /api/v1/jobs/{id}/events/ws?token=&after_line=&after_event=&attempt=}. */
    void configureJobSocket(WsConfig ws) {
        ws.onConnect(ctx -> {
            var principal = auth.principal(ctx);
            if (principal.isEmpty()) {
                ctx.closeSession(4401, "sign in: no valid token");
                return;
            }
            if (!principal.get().role().allows(Role.VIEWER)) {
                ctx.closeSession(4403, "this token may not watch jobs");
                return;
            }
            Job job = jobOrClose(ctx);
            if (job == null) return;
            long afterLine = wsLong(ctx, "after_line", 0);
            long afterEvent = wsLong(ctx, "after_event", 0);
            int attempt = (int) wsLong(ctx, "attempt", 0);
            if (afterLine < 0 || afterEvent < 0 || attempt < 0) {
                ctx.closeSession(4400, "after_line, after_event and attempt must be whole numbers ≥ 0");
                return;
            }
            var revocation = auth.watch(principal.get(), () -> ctx.closeSession(4401, "the token or session was revoked"));
            Thread t = Thread.ofVirtual().name("job-ws").start(() -> pump(ctx, job, attempt, afterLine, afterEvent));
            sockets.put(ctx.sessionId(), new Socket(t, revocation));
        });
        ws.onClose(ctx -> {
            Socket s = sockets.remove(ctx.sessionId());
            if (s != null) s.close();
        });
        ws.onError(ctx -> log.debug("job socket error: {}", String.valueOf(ctx.error())));
    }

    /** The job the socket's {@code {id}} names, or null once the socket is closed with why (as the HTTP routes say). */
    private Job jobOrClose(WsContext ctx) {
        String ref = ctx.pathParam("id");
        try {
            String id = JobRefs.resolve(store, ref);
            Job job = store.job(id).orElse(null);
            if (job == null) ctx.closeSession(4404, "no such job");
            return job;
        } catch (dev.kiln.server.core.NotFoundException e) {
            ctx.closeSession(4404, "no such job");
        } catch (JobRefs.Ambiguous e) {
            ctx.closeSession(4409, "several jobs start with this id: give more characters");
        } catch (ApiException e) {
            ctx.closeSession(4400, "job id too short: give at least " + JobRefs.MIN_PREFIX + " characters");
        }
        return null;
    }

    private void pump(WsContext ctx, Job job, int attempt, long afterLine, long afterEvent) {
        try (var feed = new JobFeed(hub, store, job, attempt, afterLine, afterEvent, attempt == 0, true)) {
            feed.onOverflow(() -> ctx.closeSession(4408, "too slow: reconnect with after_line and after_event"));
            while (!closing && ctx.session.isOpen() && !feed.overflowed()) {
                for (var item : feed.next(WAKE_MS)) {
                    switch (item) {
                        case JobFeed.Item.Lines l -> {
                            var m = linesBody(l);
                            m.put("type", "lines");
                            send(ctx, m);
                        }
                        case JobFeed.Item.EventItem e -> send(ctx, Map.of("type", "event", "event", Views.event(e.event())));
                        case JobFeed.Item.Closed c -> {
                            send(ctx, Map.of("type", "job.closed", "status", c.status(), "attempt", c.attempt()));
                            ctx.closeSession(1000, "job ended");
                            return;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // the client went away mid-send: Javalin's send throws the socket's IOException unchecked (Kotlin), and
            // onClose interrupts this thread, so a vanished client ends here (broken pipe, reset, interrupted write)
            log.debug("job socket for {} ended: {}", job.id(), e.toString());
        } finally {
            Socket s = sockets.remove(ctx.sessionId());
            if (s != null) s.revocation().close();
        }
    }

    /** A job socket's pump thread and its registration for revocation. */
    private record Socket(Thread pump, OpenConnections.Handle revocation) {
        void close() {
            revocation.close();
            pump.interrupt();
        }
    }

    private void send(WsContext ctx, Object message) {
        try {
            ctx.send(mapper.writeValueAsString(message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> linesBody(JobFeed.Item.Lines l) {
        var m = new LinkedHashMap<String, Object>();
        m.put("attempt", l.attempt());
        if (l.shared() == null) m.put("lines", l.lines().stream().map(Views::line).toList());
        else m.put("lines", new RawValue(l.shared().get(() -> encodeLines(l.lines()))));
        return m;
    }

    private String encodeLines(List<NumberedLine> lines) {
        try {
            return mapper.writeValueAsString(lines.stream().map(Views::line).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cursor from {@code Last-Event-ID} or the query parameter, empty when neither; 400 when not a number. */
    private static OptionalLong cursor(Context ctx, String param) {
        String header = ctx.header("Last-Event-ID");
        if (header != null && !header.isBlank()) {
            try {
                long v = Long.parseLong(header.strip());
                if (v < 0) throw new NumberFormatException();
                return OptionalLong.of(v);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Last-Event-ID must be an id this server sent, not '" + Requests.abbreviate(header) + "'");
            }
        }
        String v = ctx.queryParam(param);
        return v == null || v.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Requests.longParam(ctx, param, 0, 0, Long.MAX_VALUE));
    }

    private static long wsLong(WsContext ctx, String name, long dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) return dflt;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closing = true;
        sockets.values().forEach(s -> s.pump().interrupt());
    }
}
