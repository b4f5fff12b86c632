package dev.kiln.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.jobs.JobSpecParser;
import dev.kiln.server.scheduler.QueueInfo;
import dev.kiln.server.scheduler.QueueReport;
import dev.kiln.server.store.JobQuery;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Seed 001's own API under {@value #BASE}: its paths, methods and JSON shapes ({@link InfrastructureViews}), over the
 * same engine, queue and store as {@code /api/v1/jobs}. Errors are problem+json as everywhere (404 unknown id, 409
 * an illegal move). A build submitted here without a command runs its repository's own build definition.
 */
public final class InfrastructureApi {
    public static final String BASE = "/api/v1/infrastructure/build-jobs";
    static final int DEFAULT_LIST = 100;
    static final int DEFAULT_LOG_LINES = 1000;
    /** The queue's wait is the longest of its first this many jobs'. */
    static final int QUEUE_HEAD = 100;
    private static final Pattern ARCH = Pattern.compile("[a-z0-9_\\-]{1,32}");

    private final JobEngine engine;
    private final QueueReport queue;
    private final Store store;
    private final ObjectMapper mapper;

    public InfrastructureApi(JobEngine engine, QueueReport queue, Store store, ObjectMapper mapper) {
        this.engine = engine;
        this.queue = queue;
        this.store = store;
        this.mapper = mapper;
    }

    /** {@code POST}: the body of {@code POST /api/v1/jobs}; {@code command} may be left out with a repository. */
    void submit(Context ctx) {
        var spec = JobSpecParser.parse(Requests.jsonBody(ctx, mapper));
        Job job = engine.submit(spec, null).join();
        ctx.status(201).header("Location", BASE + "/" + job.id()).json(InfrastructureViews.job(job));
    }

    /** A plain array, newest first: {@code ?status=} (the seed's, comma-separated), {@code target_architecture}, {@code limit}. */
    void list(Context ctx) {
        String arch = ctx.queryParam("target_architecture");
        if (arch != null && !ARCH.matcher(arch).matches()) {
            throw ApiException.badRequest("target_architecture must look like x86_64 or arm64 (a-z, 0-9, _ and -), not '"
                    + Requests.abbreviate(arch) + "'");
        }
        int limit = (int) Requests.longParam(ctx, "limit", DEFAULT_LIST, 1, JobsApi.MAX_PAGE);
        var query = new JobQuery(statuses(ctx.queryParam("status")), null, arch == null ? null : "arch=" + arch, null, 0, limit);
        ctx.json(store.jobs(query).items().stream().map(InfrastructureViews::job).toList());
    }

    private static Set<JobStatus> statuses(String param) {
        var all = EnumSet.noneOf(JobStatus.class);
        if (param == null || param.isBlank()) return all;
        for (String s : param.split(",")) {
            if (!InfrastructureViews.STATUSES.contains(s.trim())) {
                throw ApiException.badRequest("unknown status '" + Requests.abbreviate(s.trim()) + "'; use one or more of "
                        + String.join(", ", InfrastructureViews.STATUSES));
            }
            all.addAll(InfrastructureViews.kilnStatuses(s.trim()));
        }
        return all;
    }

    void queueStatus(Context ctx) {
        var q = queue.summary(QUEUE_HEAD);
        long wait = 0;
        for (var queued : q.head()) {
            QueueInfo info = queue.info(queued.job().id());
            if (info != null) wait = Math.max(wait, InfrastructureViews.waitSeconds(info));
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("total_queued", q.totalQueued());
        body.put("total_building", q.totalRunning() + q.totalAssigned());
        body.put("jobs_by_architecture", q.byArchitecture());
        body.put("estimated_wait_time_seconds", wait);
        ctx.json(body);
    }

    void get(Context ctx) {
        ctx.json(InfrastructureViews.job(JobRefs.job(store, ctx)));
    }

    void status(Context ctx) {
        Job job = JobRefs.job(store, ctx);
        ctx.json(InfrastructureViews.status(job, job.status() == JobStatus.QUEUED ? queue.info(job.id()) : null));
    }

    /** The latest attempt's lines, {@code ?after=} a line number (1-based), at most {@code limit} (1000, ≤ 10,000). */
    void logs(Context ctx) {
        Job job = JobRefs.job(store, ctx);
        long after = Requests.longParam(ctx, "after", 0, 0, Long.MAX_VALUE);
        int limit = (int) Requests.longParam(ctx, "limit", DEFAULT_LOG_LINES, 1, JobsApi.MAX_LOG_PAGE);
        ctx.json(InfrastructureViews.logs(job, store.logLines(job.id(), job.attempt(), after, limit)));
    }

    /** {@code PUT} (the seed's) or {@code POST}: 200 when cancelled at once (queued), 202 while its process stops. */
    void cancel(Context ctx) {
        String id = JobRefs.id(store, ctx);
        var caller = Authenticator.caller(ctx);
        Job job = engine.cancel(id, caller == null ? null : caller.name()).join();
        boolean done = job.status() == JobStatus.CANCELLED;
        var body = new LinkedHashMap<String, Object>();
        body.put("success", true);
        body.put("message", done ? "Build job " + id + " cancelled successfully"
                : "Build job " + id + " is being cancelled: its processes are stopped, then it is cancelled");
        body.put("resource_id", id);
        ctx.status(done ? 200 : 202).json(body);
    }
}
