package dev.kiln.server.store.sqlite;

import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The notification tables' reads (V18): subscriptions (their secret opened) and the outbox's deliveries. */
final class NotificationReads {
    private final Jdbi readers;
    private final SealedSecrets secrets;

    NotificationReads(Jdbi readers, SealedSecrets secrets) {
        this.readers = readers;
        this.secrets = secrets;
    }

    List<NotificationSubscription> subscriptions() {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM notification_subscriptions ORDER BY created_at, id")
                .map((rs, ctx) -> Rows.subscription(rs, secrets.openValue(rs.getString("secret"), rs.getString("id"))))
                .list());
    }

    List<NotificationDelivery> subscriptionDeliveries(String subscriptionId, int limit) {
        return readers.withHandle(h -> h.createQuery(
                        "SELECT * FROM notification_deliveries WHERE subscription_id = :sub ORDER BY seq DESC LIMIT :limit")
                .bind("sub", subscriptionId).bind("limit", limit).map(Rows::delivery).list());
    }

    List<NotificationDelivery> jobDeliveries(String jobId, int limit) {
        return readers.withHandle(h -> h.createQuery(
                        "SELECT * FROM notification_deliveries WHERE job_id = :job ORDER BY seq DESC LIMIT :limit")
                .bind("job", jobId).bind("limit", limit).map(Rows::delivery).list());
    }

    List<NotificationDelivery> dueDeliveries(java.time.Instant now, int limit) {
        return readers.withHandle(h -> h.createQuery("""
                        SELECT * FROM notification_deliveries WHERE status = 'pending' AND next_attempt_at <= :now
                        ORDER BY next_attempt_at, seq LIMIT :limit""")
                .bind("now", dev.kiln.server.events.Clock.toNs(now)).bind("limit", limit).map(Rows::delivery).list());
    }

    Optional<java.time.Instant> nextDeliveryDue() {
        return readers.withHandle(h -> h.createQuery(
                        "SELECT min(next_attempt_at) FROM notification_deliveries WHERE status = 'pending'")
                .mapTo(Long.class).findOne().map(dev.kiln.server.events.Clock::toInstant));
    }
}
