package dev.kiln.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A server-wide notification subscription: the {@code events} that go to {@code url}, for the jobs its
 * {@code filters} let through, as {@code format} ({@code json} or {@code slack}). {@code secret} signs each delivery
 * (HMAC-SHA256); the store keeps it sealed.
 */
public record NotificationSubscription(String id, String url, List<String> events, Filters filters, String format,
                                       String secret, Instant createdAt) {
    public NotificationSubscription {
        events = List.copyOf(events);
        filters = filters == null ? Filters.NONE : filters;
    }

    /** Which jobs a subscription is about: all of these that are given must hold (null or empty: any). */
    public record Filters(String type, String name, Map<String, String> labels) {
        public static final Filters NONE = new Filters(null, null, Map.of());

        public Filters {
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }
}
