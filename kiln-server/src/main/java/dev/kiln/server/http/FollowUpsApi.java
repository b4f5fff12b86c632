package dev.kiln.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.artifacts.ArtifactFiles;
import dev.kiln.server.core.FileRef;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.jobs.Applications;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.util.Set;

/** Applying a job (seed 002) and the input files a job's workspace gets before its command. */
public final class FollowUpsApi {
    private static final Set<String> APPLY_FIELDS = Set.of("agent", "force");

    private final Applications applications;
    private final JobEngine engine;
    private final Store store;
    private final ArtifactFiles files;
    private final ObjectMapper mapper;
    private final FinishedJobCache finished;
    private final FleetApi fleet;

    public FollowUpsApi(Applications applications, JobEngine engine, Store store, ArtifactFiles files, ObjectMapper mapper,
                        FinishedJobCache finished, FleetApi fleet) {
        this.applications = applications;
        this.engine = engine;
        this.store = store;
        this.files = files;
        this.mapper = mapper;
        this.finished = finished;
        this.fleet = fleet;
    }

    /** {@code POST /api/v1/jobs/{id}/apply {"agent": "auto" | id | name, "force": false}}; an empty body means auto. */
    void apply(Context ctx) {
        String planId = JobRefs.id(store, ctx);
        String agent = "auto";
        boolean force = false;
        if (ctx.req().getContentLengthLong() != 0) {
            JsonNode body = Requests.jsonBody(ctx, mapper);
            if (!body.isObject()) throw new ValidationException("body", "must be a JSON object like {\"agent\": \"auto\"}");
            body.fieldNames().forEachRemaining(f -> {
                if (!APPLY_FIELDS.contains(f)) throw new ValidationException(f, "unknown field; use agent and force");
            });
            JsonNode a = body.get("agent");
            if (a != null && !a.isNull()) {
                if (!a.isTextual() || a.textValue().isBlank() || a.textValue().length() > 200) {
                    throw new ValidationException("agent", "must be \"auto\" or an agent's id or name");
                }
                agent = a.textValue();
            }
            JsonNode f = body.get("force");
            if (f != null && !f.isNull()) {
                if (!f.isBoolean()) throw new ValidationException("force", "must be true or false");
                force = f.booleanValue();
            }
        }
        var caller = Authenticator.caller(ctx);
        Job job = applications.apply(planId, agent, force, caller == null ? null : caller.name());
        finished.evict(planId); // its view now names the job applying it
        ctx.status(201).header("Location", "/api/v1/jobs/" + job.id()).json(Views.job(job, id -> fleet.agentNames().getOrDefault(id, id)));
    }

    /** {@code GET /api/v1/jobs/{id}/inputs/<path>} (people) and {@code /api/v1/agent/jobs/{id}/inputs/<path>} (agents). */
    void download(Context ctx) {
        // the engine's view for agents: the job may be assigned before its row is readable
        Job job = engine.current(JobRefs.id(store, ctx)).orElseThrow(() -> JobRefs.notFound(ctx.pathParam("id")));
        String path = ctx.pathParam("path");
        FileRef input = job.spec().inputs().stream().filter(f -> f.path().equals(path)).findFirst()
                .orElseThrow(() -> new NotFoundException("job " + job.shortId() + " has no input '" + Requests.abbreviate(path) + "'"));
        ArtifactsApi.sendFile(ctx, files, input.path(), input.size(), input.sha256());
    }
}
