package dev.kiln.server.store;

import java.time.Instant;

/**
 * One message of the notification outbox and the outcome of its latest attempt. {@code id} is the delivery id a
 * receiver deduplicates by ({@code X-Kiln-Delivery}); {@code subscriptionId} is null for a job's own notify target.
 * {@code status}: {@code pending} (to be sent at {@code nextAttemptAt}), {@code delivered}, or {@code failed} (given up).
 */
public record NotificationDelivery(long seq, String id, String subscriptionId, String jobId, String url, String event,
                                   String body, String status, int attempts, Instant nextAttemptAt, Instant createdAt,
                                   Instant lastAttemptAt, Integer statusCode, Long durationMs, String error) {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";

    /** A new outbox row, due at once. */
    public static NotificationDelivery pending(String id, String subscriptionId, String jobId, String url, String event,
                                               String body, Instant now) {
        return new NotificationDelivery(0, id, subscriptionId, jobId, url, event, body, PENDING, 0, now, now,
                null, null, null, null);
    }

    /** The outcome of one attempt: the new status, and when to try again (null unless still pending). */
    public record Attempt(String id, String status, int attempts, Instant at, Integer statusCode, long durationMs,
                          String error, Instant nextAttemptAt) {}
}
