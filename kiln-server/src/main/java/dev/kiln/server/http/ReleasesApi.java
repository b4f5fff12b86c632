package dev.kiln.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.core.FileRef;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.Release;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.releases.Releases;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Promoting a job to a release, and reading and downloading releases (seed 004). */
public final class ReleasesApi {
    private static final Set<String> PROMOTE_FIELDS = Set.of("name", "version");
    static final int MAX_LIST = 500;

    private final Releases releases;
    private final Store store;
    private final ArtifactFiles files;
    private final ObjectMapper mapper;
    private final FinishedJobCache finished;

    public ReleasesApi(Releases releases, Store store, ArtifactFiles files, ObjectMapper mapper, FinishedJobCache finished) {
        this.releases = releases;
        this.store = store;
        this.files = files;
        this.mapper = mapper;
        this.finished = finished;
    }

    /** {@code POST /api/v1/jobs/{id}/promote {"name": "web-app", "version": "1.4.0"}}: 201 made, 200 made before. */
    void promote(Context ctx) {
        String jobId = JobRefs.id(store, ctx);
        JsonNode body = Requests.jsonBody(ctx, mapper);
        if (!body.isObject()) throw new ValidationException("body", "must be a JSON object like {\"name\": \"web-app\"}");
        body.fieldNames().forEachRemaining(f -> {
            if (!PROMOTE_FIELDS.contains(f)) throw new ValidationException(f, "unknown field; use name and version");
        });
        var caller = Authenticator.caller(ctx);
        var promotion = releases.promote(jobId, text(body, "name"), text(body, "version"), caller == null ? null : caller.name());
        finished.evict(jobId); // its view now lists the release
        String location = "/api/v1/releases/" + promotion.release().name() + "/" + promotion.release().version();
        ctx.status(promotion.created() ? 201 : 200).header("Location", location).json(view(promotion.release()));
    }

    void list(Context ctx) {
        String name = ctx.queryParam("name");
        int limit = (int) Requests.longParam(ctx, "limit", 100, 1, MAX_LIST);
        ctx.json(Map.of("releases", store.releases(name == null || name.isBlank() ? null : name, null, limit).stream()
                .map(ReleasesApi::view).toList()));
    }

    void get(Context ctx) {
        ctx.json(view(release(ctx)));
    }

    /** The manifest, {@code <sha256>  <path>} lines: {@code sha256sum -c} checks downloaded files against it. */
    void manifest(Context ctx) {
        Release r = release(ctx);
        ctx.contentType("text/plain; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"" + r.name() + "-" + r.version() + ".sha256\"");
        ctx.header("X-Checksum-Sha256", r.manifestSha256());
        ctx.result(r.manifest().getBytes(StandardCharsets.UTF_8));
    }

    void file(Context ctx) {
        Release r = release(ctx);
        String path = ctx.pathParam("path");
        FileRef f = r.files().stream().filter(x -> x.path().equals(path)).findFirst().orElseThrow(() ->
                new NotFoundException("release " + r.name() + " " + r.version() + " has no file '" + Requests.abbreviate(path) + "'"));
        ArtifactsApi.sendFile(ctx, files, f.path(), f.size(), f.sha256());
    }

    private Release release(Context ctx) {
        String name = ctx.pathParam("name");
        String version = ctx.pathParam("version");
        return store.release(name, version).orElseThrow(() -> new NotFoundException("no release " + Requests.abbreviate(name)
                + " " + Requests.abbreviate(version) + "; GET /api/v1/releases lists them"));
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw new ValidationException(field, "must be a string");
        return n.textValue();
    }

    static Map<String, Object> view(Release r) {
        String base = "/api/v1/releases/" + r.name() + "/" + r.version();
        var m = new LinkedHashMap<String, Object>();
        m.put("name", r.name());
        m.put("version", r.version());
        m.put("job_id", r.jobId());
        m.put("manifest_sha256", r.manifestSha256());
        m.put("promoted_by", r.promotedBy());
        m.put("promoted_at", r.promotedAt());
        m.put("manifest_url", base + "/manifest");
        m.put("files", r.files().stream().map(f -> {
            var fm = new LinkedHashMap<String, Object>();
            fm.put("path", f.path());
            fm.put("size", f.size());
            fm.put("sha256", f.sha256());
            fm.put("download_url", base + "/files/" + f.path());
            return fm;
        }).toList());
        return m;
    }
}
