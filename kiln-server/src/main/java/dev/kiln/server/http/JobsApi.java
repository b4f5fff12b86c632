package dev.kiln.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.events.Event;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.scheduler.QueueReport;
import dev.kiln.server.jobs.JobSpecParser;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.logs.NumberedLine;
import dev.kiln.server.store.JobQuery;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The jobs endpoints: thin handlers that read parameters, call the engine or the store, and render views. */
public final class JobsApi {
    static final int MAX_PAGE = 500;
    static final int MAX_LOG_PAGE = 10_000;
    static final int MAX_RELEASES_SHOWN = 50;

    private final JobEngine engine;
    private final QueueReport queue;
    private final FleetApi fleet;
    private final Store store;
    private final ObjectMapper mapper;
    private final FinishedJobCache finished;
    private InputUploads uploads;

    /** {@code finished}: rendered views of finished jobs, which never change again. */
    public JobsApi(JobEngine engine, QueueReport queue, FleetApi fleet, Store store, ObjectMapper mapper,
                   FinishedJobCache finished) {
        this.engine = engine;
        this.finished = finished;
        this.queue = queue;
        this.fleet = fleet;
        this.store = store;
        this.mapper = mapper;
    }

    void submit(Context ctx) {
        JobSpec spec;
        if (uploads != null && InputUploads.isMultipart(ctx)) {
            spec = uploads.read(ctx);
        } else {
            spec = JobSpecParser.parse(Requests.jsonBody(ctx, mapper));
        }
        Job job = engine.submit(spec, null).join();
        ctx.status(201).header("Location", "/api/v1/jobs/" + job.id()).json(Views.job(job, agentNames()));
    }

    /**
     * Accepts submits as multipart/form-data too: input files stored in {@code files} (staged under {@code tmp}),
     * each at most {@code maxBytes}.
     */
    public JobsApi withInputUploads(dev.kiln.server.artifacts.ArtifactFiles files, java.nio.file.Path tmp, long maxBytes) {
        this.uploads = new InputUploads(files, tmp, maxBytes, mapper);
        return this;
    }

    void list(Context ctx) {
        Set<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
        String statusParam = ctx.queryParam("status");
        if (statusParam != null && !statusParam.isBlank()) {
            for (String s : statusParam.split(",")) {
                try {
                    statuses.add(JobStatus.fromWire(s.trim()));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("unknown status '" + Requests.abbreviate(s.trim())
                            + "'; use one or more of " + String.join(", ", List.of(JobStatus.values()).stream().map(JobStatus::wireName).toList()));
                }
            }
        }
        String label = blankToNull(ctx.queryParam("label"));
        if (label != null && !label.matches("[^=\\s]+=[^\\s]+")) {
            throw ApiException.badRequest("label filter must look like key=value, e.g. arch=arm64");
        }
        long before = 0;
        String cursor = blankToNull(ctx.queryParam("cursor"));
        if (cursor != null) {
            try {
                before = Long.parseLong(cursor);
                if (before <= 0) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("cursor '" + Requests.abbreviate(cursor) + "' is not one this server issued; use next_cursor from the previous page");
            }
        }
        int limit = (int) Requests.longParam(ctx, "limit", 50, 1, MAX_PAGE);
        String text = blankToNull(ctx.queryParam("text"));
        if (text != null && text.length() > 200) throw ApiException.badRequest("text filter is too long (at most 200 characters)");
        var page = store.jobs(new JobQuery(statuses, blankToNull(ctx.queryParam("type")), label, text, before, limit));
        var names = agentNames();
        var body = new LinkedHashMap<String, Object>();
        body.put("jobs", page.items().stream().map(j -> Views.job(j, names)).toList());
        body.put("next_cursor", page.nextCursor());
        ctx.json(body);
    }

    void get(Context ctx) {
        String id = JobRefs.id(store, ctx);
        byte[] cached = finished.get(id);
        if (cached != null) {
            ctx.contentType("application/json").result(cached);
            return;
        }
        Job job = store.job(id).orElseThrow(() -> JobRefs.notFound(ctx.pathParam("id")));
        var view = Views.jobDetail(job, store.attempts(job.id()), agentNames(),
                new Views.FollowUps(store.jobsApplying(job.id()), store.releases(null, job.id(), MAX_RELEASES_SHOWN),
                        dev.kiln.server.jobs.JobEvents.checkedOutCommit(store, job.id())));
        if (!job.status().isTerminal()) {
            ctx.json(view);
            return;
        }
        try {
            byte[] json = mapper.writeValueAsBytes(view);
            finished.put(job.id(), json);
            ctx.contentType("application/json").result(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void status(Context ctx) {
        Job job = job(ctx);
        var queueInfo = job.status() == JobStatus.QUEUED ? queue.info(job.id()) : null;
        ctx.json(Views.status(job, queueInfo, agentNames()));
    }

    /** A log retention deleted is gone for good (410), not empty: a client must not take it for a silent job. */
    static void requireLog(Store store, Job job) {
        store.logsPrunedAt(job.id()).ifPresent(at -> {
            throw new ApiException(410, "Gone", "the log of job " + job.id() + " was deleted by retention (--retain-logs) at "
                    + at + "; the job's record, events and artifacts remain");
        });
    }

    void logs(Context ctx) {
        Job job = job(ctx);
        requireLog(store, job);
        int attempt = attempt(ctx, job);
        long after = Requests.longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
        int limit = (int) Requests.longParam(ctx, "limit", 1000, 1, MAX_LOG_PAGE);
        List<NumberedLine> lines = store.logLines(job.id(), attempt, after, limit);
        // attempt 0 is the log of a job that never ran (a cancel's line): a few lines at most, and no attempt row
        long total = attempt == 0 ? store.logLines(job.id(), 0, 0, MAX_LOG_PAGE).size()
                : store.attempt(job.id(), attempt).map(Attempt::lineCount).orElse(0L);
        var body = new LinkedHashMap<String, Object>();
        body.put("job_id", job.id());
        body.put("attempt", attempt);
        body.put("attempts", job.attempt());
        body.put("total_lines", total);
        body.put("lines", lines.stream().map(Views::line).toList());
        long last = lines.isEmpty() ? after : lines.get(lines.size() - 1).number();
        body.put("next_after", last);
        boolean live = !job.status().isTerminal() && attempt == job.attempt();
        body.put("streaming", live);
        body.put("complete", !live && last >= total);
        ctx.json(body);
    }

    void rawLogs(Context ctx) {
        Job job = job(ctx);
        requireLog(store, job);
        int attempt = attempt(ctx, job);
        boolean timestamps = "true".equals(ctx.queryParam("timestamps"));
        ctx.contentType("text/plain; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"job-" + job.shortId() + "-attempt-" + attempt + ".log\"");
        try {
            var out = new BufferedWriter(new OutputStreamWriter(ctx.res().getOutputStream(), StandardCharsets.UTF_8), 64 * 1024);
            store.forEachLogLine(job.id(), attempt, l -> {
                try {
                    if (timestamps) {
                        out.write(dev.kiln.server.events.Clock.toInstant(l.line().timestampNs()).toString());
                        out.write(' ');
                        out.write(l.line().stream().name());
                        out.write(' ');
                    }
                    out.write(l.line().text());
                    out.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A page of a job's events after {@code after}; or, with {@code last=N}, its newest N and {@code total}, the count
     * of all of them (a job page's first view: then it follows live from {@code next_after}); {@code kind} narrows
     * {@code last} to one kind (the newest tables, say).
     */
    void events(Context ctx) {
        Job job = job(ctx);
        long after = Requests.longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
        int limit = (int) Requests.longParam(ctx, "limit", 500, 1, MAX_EVENT_PAGE);
        var body = new LinkedHashMap<String, Object>();
        body.put("job_id", job.id());
        List<Event> events;
        if (ctx.queryParam("last") != null) {
            if (ctx.queryParam("after") != null) throw ApiException.badRequest("give either after (a page after an event id) or last (the newest events), not both");
            var tail = store.jobEventsTail(job.id(), ctx.queryParam("kind"),
                    (int) Requests.longParam(ctx, "last", 500, 1, MAX_EVENT_PAGE));
            events = tail.events();
            body.put("total", tail.total());
        } else {
            if (ctx.queryParam("kind") != null) throw ApiException.badRequest("kind narrows last=N: give both");
            events = store.jobEvents(job.id(), after, limit);
        }
        body.put("events", events.stream().map(Views::event).toList());
        body.put("next_after", events.isEmpty() ? after : events.get(events.size() - 1).id());
        ctx.json(body);
    }

    static final int MAX_EVENT_PAGE = 5000;

    void cancel(Context ctx) {
        var caller = Authenticator.caller(ctx);
        Job job = engine.cancel(job(ctx).id(), caller == null ? null : caller.name()).join();
        ctx.status(job.status() == JobStatus.CANCELLED ? 200 : 202).json(Views.job(job, agentNames()));
    }

    void stop(Context ctx) {
        var caller = Authenticator.caller(ctx);
        Job job = engine.stop(job(ctx).id(), caller == null ? null : caller.name()).join();
        ctx.status(job.status() == JobStatus.STOPPED ? 200 : 202).json(Views.job(job, agentNames()));
    }

    /** The services that are not finished, oldest first, as the engine holds them now. */
    void services(Context ctx) {
        var names = agentNames();
        ctx.json(Map.of("services", engine.activeJobsSnapshot().stream().filter(j -> j.spec().service())
                .sorted(java.util.Comparator.comparing(Job::createdAt)).map(j -> Views.job(j, names)).toList()));
    }

    void rerun(Context ctx) {
        Job job = engine.rerun(job(ctx).id()).join();
        ctx.status(201).header("Location", "/api/v1/jobs/" + job.id()).json(Views.job(job, agentNames()));
    }

    /** The job the {@code {id}} path parameter names: a whole id or a unique prefix ({@link JobRefs}). */
    private Job job(Context ctx) {
        return JobRefs.job(store, ctx);
    }

    private static int attempt(Context ctx, Job job) {
        long n = Requests.longParam(ctx, "attempt", job.attempt(), 0, Integer.MAX_VALUE);
        if (n > job.attempt() || (n == 0 && job.attempt() > 0)) {
            throw new NotFoundException("job " + job.id() + " has " + job.attempt() + " attempt(s); there is no attempt " + n);
        }
        return (int) n;
    }

    /**
     * Agent ids to names, read from the fleet (under the engine lock) only when a job shown has an agent: a submit's
     * answer, a queued job, asks for none.
     */
    java.util.function.Function<String, String> agentNames() {
        var names = new java.util.concurrent.atomic.AtomicReference<Map<String, String>>();
        return id -> names.updateAndGet(n -> n != null ? n : fleet.agentNames()).getOrDefault(id, id);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
