package dev.kiln.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.core.Job;
import dev.kiln.server.notify.Notifications;
import dev.kiln.server.notify.SubscriptionRequest;
import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Notification subscriptions (admins), their delivery logs and "Send test"; a job's own notifications (anyone who
 * may see the job). A subscription's URL is shown to admins only: a Slack webhook URL is itself a credential.
 */
public final class NotificationsApi {
    private final Notifications notifications;
    private final Store store;
    private final ObjectMapper mapper;

    public NotificationsApi(Notifications notifications, Store store, ObjectMapper mapper) {
        this.notifications = notifications;
        this.store = store;
        this.mapper = mapper;
    }

    /** {@code POST /api/v1/notifications}: the answer holds the secret, the only time it is shown. */
    void create(Context ctx) {
        var created = notifications.create(SubscriptionRequest.parse(Requests.jsonBody(ctx, mapper)));
        var view = view(created.subscription());
        view.put("secret", created.subscription().secret());
        ctx.status(201).header("Location", "/api/v1/notifications/" + created.subscription().id()).json(view);
    }

    /** {@code GET /api/v1/notifications}. */
    void list(Context ctx) {
        ctx.json(Map.of("subscriptions", notifications.list().stream().map(NotificationsApi::view).toList()));
    }

    /** {@code DELETE /api/v1/notifications/{id}}: with its delivery log and what it still had to send. */
    void delete(Context ctx) {
        notifications.delete(ctx.pathParam("id"));
        ctx.status(204);
    }

    /** {@code GET /api/v1/notifications/{id}/deliveries}: the newest first. */
    void deliveries(Context ctx) {
        ctx.json(Map.of("deliveries", notifications.deliveries(ctx.pathParam("id")).stream()
                .map(d -> delivery(d, true)).toList()));
    }

    /** {@code POST /api/v1/notifications/{id}/test}: queued now, sent by the sender like any delivery. */
    void test(Context ctx) {
        ctx.status(202).json(delivery(notifications.test(ctx.pathParam("id")), true));
    }

    /** {@code GET /api/v1/jobs/{id}/notifications}: the job's own targets and every delivery about it. */
    void ofJob(Context ctx) {
        Job job = JobRefs.job(store, ctx);
        ctx.json(Map.of("targets", job.spec().notifyTargets().stream().map(t -> Map.of("url", t.url(), "on", t.on())).toList(),
                "deliveries", notifications.jobDeliveries(job.id()).stream()
                        // a subscription's URL stays with admins; a job's own target is in its spec anyway
                        .map(d -> delivery(d, d.subscriptionId() == null)).toList()));
    }

    private static Map<String, Object> view(NotificationSubscription s) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", s.id());
        m.put("url", s.url());
        m.put("events", s.events());
        var f = new LinkedHashMap<String, Object>();
        f.put("type", s.filters().type());
        f.put("name", s.filters().name());
        f.put("labels", s.filters().labels());
        m.put("filters", f);
        m.put("format", s.format());
        m.put("created_at", s.createdAt());
        return m;
    }

    private static Map<String, Object> delivery(NotificationDelivery d, boolean withUrl) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", d.id());
        m.put("subscription_id", d.subscriptionId());
        m.put("job_id", d.jobId());
        if (withUrl) m.put("url", d.url());
        m.put("event", d.event());
        m.put("status", d.status());
        m.put("attempts", d.attempts());
        m.put("created_at", d.createdAt());
        m.put("last_attempt_at", d.lastAttemptAt());
        m.put("next_attempt_at", d.nextAttemptAt());
        m.put("status_code", d.statusCode());
        m.put("duration_ms", d.durationMs());
        m.put("error", d.error());
        return m;
    }
}
