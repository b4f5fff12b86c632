package dev.kiln.server.http;

import dev.kiln.server.fleet.AgentTransitions.Fact;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.scheduler.QueueReport;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/** The queue and workers endpoints: what waits, why, and who runs things. */
public final class FleetApi {
    private final FleetRegistry fleet;
    private final QueueReport queue;

    public FleetApi(FleetRegistry fleet, QueueReport queue) {
        this.fleet = fleet;
        this.queue = queue;
    }

    /** {@code GET /api/v1/queue?limit=}: totals by architecture and label, capacity, the head with its reasons. */
    void queue(Context ctx) {
        int headSize = (int) Requests.longParam(ctx, "limit", 50, 0, 1000);
        var q = queue.summary(headSize);
        var names = agentNames();
        var body = new LinkedHashMap<String, Object>();
        body.put("total_queued", q.totalQueued());
        body.put("total_building", q.totalRunning() + q.totalAssigned());
        body.put("total_running", q.totalRunning());
        body.put("jobs_by_architecture", q.byArchitecture());
        body.put("jobs_by_label", q.byLabel());
        body.put("capacity", Map.of("online_slots", q.onlineCapacity(), "in_use", q.slotsInUse()));
        Long wait = q.head().isEmpty() ? Long.valueOf(0) : null;
        var head = new ArrayList<Object>();
        for (var e : q.head()) {
            var info = queue.info(e.job().id());
            var m = Views.job(e.job(), id -> names.getOrDefault(id, id));
            m.put("position", e.position());
            m.put("waiting_reason", Views.reason(e.waitingReason()));
            m.put("estimated_wait_seconds", info == null ? null : info.estimatedWaitSeconds());
            m.put("estimate_text", info == null || info.estimate() == null ? null : info.estimate().text());
            if (info != null && info.estimatedWaitSeconds() != null) {
                wait = Math.max(wait == null ? 0 : wait, info.estimatedWaitSeconds());
            }
            head.add(m);
        }
        body.put("estimated_wait_time_seconds", wait);
        body.put("head", head);
        ctx.json(body);
    }

    void workers(Context ctx) {
        ctx.json(Map.of("workers", fleet.views().stream().map(Views::agent).toList()));
    }

    void worker(Context ctx) {
        ctx.json(Views.agent(fleet.view(ctx.pathParam("id"))));
    }

    void drain(Context ctx) {
        ctx.json(Views.agent(fleet.command(ctx.pathParam("id"), new Fact.Drain())));
    }

    void resume(Context ctx) {
        ctx.json(Views.agent(fleet.command(ctx.pathParam("id"), new Fact.Resume(true))));
    }

    void disable(Context ctx) {
        ctx.json(Views.agent(fleet.command(ctx.pathParam("id"), new Fact.Disable())));
    }

    /** Agent ids to names, for views that show who ran a job. */
    Map<String, String> agentNames() {
        var names = new LinkedHashMap<String, String>();
        fleet.views().forEach(a -> names.put(a.id(), a.name()));
        return names;
    }
}
