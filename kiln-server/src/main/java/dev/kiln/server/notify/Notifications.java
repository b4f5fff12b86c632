package dev.kiln.server.notify;

import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;
import dev.kiln.server.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Build result notifications: the subscriptions (kept in memory for the store's writer, which asks the
 * {@link NotificationOutbox} about every event), the outbox's {@link DeliverySender}, and what the API offers.
 */
public final class Notifications implements AutoCloseable {
    /** Retries stop this long after a delivery entered the outbox. */
    public static final Duration GIVE_UP_AFTER = Duration.ofHours(24);
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    public static final int LOG_LIMIT = 100;

    /**
     * {@code backoffSeconds}: the first retry's least wait, doubling per retry (the rule of {@link RetryPolicy#delay},
     * equal jitter, at most 30 min); tests make it short.
     */
    public record Settings(int backoffSeconds, Duration giveUpAfter, Duration timeout) {
        public static final Settings DEFAULTS = new Settings(RetryPolicy.DEFAULT_BACKOFF_SECONDS, GIVE_UP_AFTER, TIMEOUT);
    }

    private final Store store;
    private final Payloads payloads;
    private final DeliverySender sender;
    private final AutoCloseable busSubscription;
    private volatile List<NotificationSubscription> subscriptions;

    public Notifications(Store store, EventBus bus, Supplier<String> baseUrl, Settings settings) {
        this.store = store;
        this.payloads = new Payloads(baseUrl);
        this.subscriptions = store.notificationSubscriptions();
        var backoff = new RetryPolicy(0, Set.of(), false, false, false, settings.backoffSeconds());
        this.sender = new DeliverySender(store, this::secretOf,
                new DeliverySender.Timing(backoff, settings.giveUpAfter(), settings.timeout()));
        var outbox = new NotificationOutbox(() -> subscriptions, payloads);
        store.useOutbox(outbox);
        // the outbox's rows commit with their event: once it is published, they are there to send
        this.busSubscription = bus.subscribe(e -> {
            if (NotifyEvents.KINDS.contains(e.kind()) && outbox.takeWritten(e)) sender.wake();
        });
    }

    /** Starts sending, pending deliveries of an earlier run first. */
    public void start() {
        start(() -> true);
    }

    /**
     * Starts sending, but only while {@code owner} says this server owns the sending (the timers lease, when several
     * servers share the database: two senders would send each pending delivery twice).
     */
    public void start(java.util.function.BooleanSupplier owner) {
        sender.start(owner);
    }

    public Created create(SubscriptionRequest r) {
        var s = new NotificationSubscription(UUID.randomUUID().toString(), r.url(), r.events(), r.filters(), r.format(),
                Signatures.newSecret(), Instant.now());
        store.write(tx -> {
            tx.insertSubscription(s);
            return null;
        }).join();
        reload();
        return new Created(s);
    }

    /** A new subscription, the one time its secret is shown. */
    public record Created(NotificationSubscription subscription) {}

    public List<NotificationSubscription> list() {
        return subscriptions;
    }

    public NotificationSubscription get(String id) {
        return subscriptions.stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new NotFoundException("no notification subscription " + id + "; GET /api/v1/notifications lists them"));
    }

    public void delete(String id) {
        boolean deleted = store.write(tx -> tx.deleteSubscription(id)).join();
        if (!deleted) throw new NotFoundException("no notification subscription " + id + "; GET /api/v1/notifications lists them");
        reload();
    }

    public List<NotificationDelivery> deliveries(String subscriptionId) {
        get(subscriptionId);
        return store.subscriptionDeliveries(subscriptionId, LOG_LIMIT);
    }

    public List<NotificationDelivery> jobDeliveries(String jobId) {
        return store.jobDeliveries(jobId, LOG_LIMIT);
    }

    /** "Send test": a delivery of {@code notification.test} through the outbox like any other. */
    public NotificationDelivery test(String subscriptionId) {
        var s = get(subscriptionId);
        String id = UUID.randomUUID().toString();
        Instant now = Instant.now();
        var d = NotificationDelivery.pending(id, s.id(), null, s.url(), Payloads.TEST_EVENT,
                payloads.forTest(s.format(), id, s.id(), now), now);
        store.write(tx -> {
            tx.insertDelivery(d);
            return null;
        }).join();
        sender.wake();
        return d;
    }

    private Optional<String> secretOf(String subscriptionId) {
        var secret = known(subscriptionId);
        if (secret.isPresent()) return secret;
        reload(); // made on another server of a shared database since this one last looked
        return known(subscriptionId);
    }

    private Optional<String> known(String subscriptionId) {
        return subscriptions.stream().filter(s -> s.id().equals(subscriptionId)).findFirst()
                .map(NotificationSubscription::secret);
    }

    /**
     * Several servers on one database: takes in the subscriptions made, changed or deleted through the others, so this
     * server's outbox matches its events against the same ones (called every few seconds).
     */
    public void followOtherServers() {
        reload();
    }

    private synchronized void reload() {
        subscriptions = List.copyOf(store.notificationSubscriptions());
    }

    @Override
    public void close() {
        try {
            busSubscription.close();
        } catch (Exception ignored) {
            // removing a listener does not fail
        }
        sender.close();
    }
}
