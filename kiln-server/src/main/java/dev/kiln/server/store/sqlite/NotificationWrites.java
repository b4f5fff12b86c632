package dev.kiln.server.store.sqlite;

import dev.kiln.server.events.Clock;
import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;

/** The notification tables' writes (V18): subscriptions (their secret sealed) and the outbox's deliveries. */
final class NotificationWrites {
    private final WriterSql w;
    private final SealedSecrets secrets;

    NotificationWrites(WriterSql w, SealedSecrets secrets) {
        this.w = w;
        this.secrets = secrets;
    }

    void insertSubscription(NotificationSubscription s) {
        w.update("""
                INSERT INTO notification_subscriptions (id, url, events, filters, format, secret, created_at)
                VALUES (:id, :url, :events, :filters, :format, :secret, :created)""",
                SqlTx.params("id", s.id(), "url", s.url(), "events", Rows.toJson(s.events()),
                        "filters", Rows.toJson(s.filters()), "format", s.format(),
                        "secret", secrets.sealValue(s.secret(), s.id()), "created", Clock.toNs(s.createdAt())));
    }

    boolean deleteSubscription(String id) {
        var p = SqlTx.params("id", id);
        w.update("DELETE FROM notification_deliveries WHERE subscription_id = :id", p);
        return w.update("DELETE FROM notification_subscriptions WHERE id = :id", p) == 1;
    }

    void insertDelivery(NotificationDelivery d) {
        w.update("""
                INSERT INTO notification_deliveries (id, subscription_id, job_id, url, event, body, status, attempts,
                  next_attempt_at, created_at)
                VALUES (:id, :sub, :job, :url, :event, :body, :status, :attempts, :next, :created)""",
                SqlTx.params("id", d.id(), "sub", d.subscriptionId(), "job", d.jobId(), "url", d.url(), "event", d.event(),
                        "body", d.body(), "status", d.status(), "attempts", d.attempts(),
                        "next", d.nextAttemptAt() == null ? null : Clock.toNs(d.nextAttemptAt()),
                        "created", Clock.toNs(d.createdAt())));
    }

    boolean recordDeliveryAttempt(NotificationDelivery.Attempt a) {
        return w.update("""
                UPDATE notification_deliveries SET status = :status, attempts = :attempts, last_attempt_at = :at,
                  status_code = :code, duration_ms = :ms, error = :error, next_attempt_at = :next
                WHERE id = :id""",
                SqlTx.params("id", a.id(), "status", a.status(), "attempts", a.attempts(), "at", Clock.toNs(a.at()),
                        "code", a.statusCode(), "ms", a.durationMs(), "error", a.error(),
                        "next", a.nextAttemptAt() == null ? null : Clock.toNs(a.nextAttemptAt()))) == 1;
    }
}
