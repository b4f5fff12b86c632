package dev.kiln.server.http;

import dev.kiln.server.ops.Backups;
import dev.kiln.server.ops.PruneReport;
import dev.kiln.server.ops.Readiness;
import dev.kiln.server.ops.Retention;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/** Operating the server: retention on demand, a backup while it runs, readiness. */
public final class AdminApi {
    private final Retention retention;
    private final Backups backups;
    private final Readiness readiness;

    public AdminApi(Retention retention, Backups backups, Readiness readiness) {
        this.retention = retention;
        this.backups = backups;
        this.readiness = readiness;
    }

    /** {@code POST /api/v1/admin/prune?dry_run=true}: what the retention pass deletes (or would delete) now. */
    void prune(Context ctx) {
        boolean dryRun = Requests.booleanParam(ctx, "dry_run", false);
        ctx.json(view(retention.run(dryRun)));
    }

    static Map<String, Object> view(PruneReport r) {
        var m = new LinkedHashMap<String, Object>();
        m.put("dry_run", r.dryRun());
        m.put("jobs", r.jobs());
        m.put("logs", r.logs());
        m.put("artifacts", r.artifacts());
        m.put("files", r.files());
        m.put("bytes_before", r.bytesBefore());
        m.put("bytes_after", r.bytesAfter());
        m.put("job_ids", r.jobIds());
        return m;
    }

    /** {@code POST /api/v1/admin/backup}: a zip of a consistent snapshot, streamed as it is made. */
    void backup(Context ctx) throws IOException {
        String name = "kiln-backup-" + Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "") + ".zip";
        ctx.contentType("application/zip");
        ctx.header("Content-Disposition", "attachment; filename=\"" + name + "\"");
        try {
            backups.write(ctx.res().getOutputStream());
        } catch (UnsupportedOperationException e) { // before a byte of the zip went out: the store cannot be copied
            ctx.res().setHeader("Content-Disposition", null);
            throw new ApiException(501, "Not implemented", e.getMessage());
        }
    }

    /** {@code GET /health/ready}: 200 when every check passes, else 503; the checks say what is wrong. */
    void ready(Context ctx) {
        var report = readiness.check();
        var checks = new LinkedHashMap<String, Object>();
        report.checks().forEach((name, c) -> checks.put(name, Map.of("ok", c.ok(), "detail", c.detail())));
        ctx.status(report.ready() ? 200 : 503);
        ctx.json(Map.of("status", report.ready() ? "ready" : "not_ready", "checks", checks));
    }
}
