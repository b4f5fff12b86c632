package dev.kiln.server.http;

import dev.kiln.server.core.Artifact;
import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Artifact upload (agents) and listing and download (people). */
public final class ArtifactsApi {
    static final long MAX_ARTIFACT_BYTES = 50L * 1024 * 1024 * 1024;
    private static final Pattern NAME = Pattern.compile("[^\\p{Cntrl}\\\\]{1,512}");

    private final Store store;
    private final ArtifactFiles files;
    private final JobEngine engine;

    public ArtifactsApi(JobEngine engine, Store store, ArtifactFiles files) {
        this.engine = engine;
        this.store = store;
        this.files = files;
    }

    /** {@code PUT /api/v1/agent/jobs/{id}/attempts/{attempt}/artifacts?name=dist/app.jar}, body = the file. */
    void upload(Context ctx) {
        // the engine's view, not the store's: the agent may upload before its assignment has committed
        // (the job's own row may not have committed yet either: a job that ends within a group commit uploads first)
        Job job = engine.current(JobRefs.id(store, ctx)).orElseThrow(() -> JobRefs.notFound(ctx.pathParam("id")));
        long attemptParam = Requests.longParam(ctx, "attempt", -1, 1, Integer.MAX_VALUE);
        if (attemptParam < 1) throw ApiException.badRequest("query parameter 'attempt' is required");
        int attempt = (int) attemptParam;
        if (attempt > job.attempt()) throw new NotFoundException("job " + job.id() + " has no attempt " + attempt);
        String name = validName(ctx.queryParam("name"));
        ArtifactFiles.Stored stored;
        try (InputStream in = ctx.req().getInputStream()) {
            stored = files.store(in, MAX_ARTIFACT_BYTES);
        } catch (IOException e) {
            throw ApiException.badRequest("upload of '" + name + "' failed: " + e.getMessage());
        }
        var artifact = new Artifact(job.id(), attempt, name, stored.size(), stored.sha256(), Instant.now());
        store.write(tx -> {
            tx.upsertArtifact(artifact);
            tx.appendEvent(Event.draft(job.id(), "job.artifact", Map.of("attempt", attempt, "name", name,
                    "size", stored.size(), "sha256", stored.sha256())));
            return null;
        }).join();
        ctx.status(201).json(view(artifact));
    }

    void list(Context ctx) {
        Job job = JobRefs.job(store, ctx);
        ctx.json(Map.of("job_id", job.id(), "artifacts", store.artifacts(job.id()).stream().map(this::view).toList()));
    }

    /** {@code GET /api/v1/jobs/{id}/artifacts/<name>?attempt=N}: the newest attempt's file of that name by default. */
    void download(Context ctx) {
        Job job = JobRefs.job(store, ctx);
        String name = ctx.pathParam("name");
        long attempt = Requests.longParam(ctx, "attempt", 0, 0, Integer.MAX_VALUE);
        Artifact found = null;
        for (Artifact a : store.artifacts(job.id())) {
            if (a.name().equals(name) && (attempt == 0 || a.attempt() == attempt)) found = a;
        }
        if (found == null) throw new NotFoundException("job " + job.shortId() + " has no artifact '" + Requests.abbreviate(name) + "'");
        sendFile(ctx, files, name, found.size(), found.sha256());
    }

    /**
     * Streams a content file as a download named after the last part of {@code name}, with its SHA-256 in
     * {@code ETag} and {@code X-Checksum-Sha256}: artifacts, job inputs and release files alike.
     */
    static void sendFile(Context ctx, ArtifactFiles files, String name, long size, String sha256) {
        var path = files.path(sha256);
        String file = name.substring(name.lastIndexOf('/') + 1).replace("\"", "");
        ctx.contentType("application/octet-stream");
        ctx.header("Content-Disposition", "attachment; filename=\"" + file + "\"");
        ctx.header("Content-Length", Long.toString(size));
        ctx.header("ETag", "\"" + sha256 + "\"");
        ctx.header("X-Checksum-Sha256", sha256);
        try (InputStream in = Files.newInputStream(path)) {
            in.transferTo(ctx.res().getOutputStream());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new NotFoundException("the content of '" + Requests.abbreviate(name) + "' is missing from the server's files");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> view(Artifact a) {
        var m = new LinkedHashMap<String, Object>();
        m.put("attempt", a.attempt());
        m.put("name", a.name());
        m.put("size", a.size());
        m.put("sha256", a.sha256());
        m.put("created_at", a.createdAt());
        m.put("download_url", "/api/v1/jobs/" + a.jobId() + "/artifacts/" + a.name() + "?attempt=" + a.attempt());
        return m;
    }

    static String validName(String name) {
        if (!isWorkspacePath(name)) {
            throw ApiException.badRequest("artifact name must be a relative path inside the workspace, e.g. dist/app.jar");
        }
        return name;
    }

    /** A relative path that stays inside a workspace: the rule for artifact names and input files alike. */
    static boolean isWorkspacePath(String name) {
        return name != null && NAME.matcher(name).matches() && !name.startsWith("/")
                && !java.util.Arrays.asList(name.split("/")).contains("..");
    }
}
