package dev.kiln.server.notify;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.NotifyTarget;
import dev.kiln.server.events.Event;
import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;
import dev.kiln.server.store.Outbox;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The store's {@link Outbox}: for an event that is a notification event, one delivery per subscription that wants it
 * and per matching {@code notify} target of the job. Runs on the writer thread, from the subscriptions held in
 * memory.
 */
final class NotificationOutbox implements Outbox {
    private final Supplier<List<NotificationSubscription>> subscriptions;
    private final Payloads payloads;
    /**
     * The ids of appended events that got deliveries, until their commit is published ({@link #takeWritten}): the
     * sender is woken for those alone, not for every job's end (reading the outbox costs the sender two queries).
     * Ids rise in commit order, so the ids of events rolled back meanwhile are dropped as later ones are taken.
     */
    private final java.util.NavigableSet<Long> withDeliveries = new java.util.concurrent.ConcurrentSkipListSet<>();

    NotificationOutbox(Supplier<List<NotificationSubscription>> subscriptions, Payloads payloads) {
        this.subscriptions = subscriptions;
        this.payloads = payloads;
    }

    @Override
    public List<NotificationDelivery> deliveriesFor(Event event, Job job) {
        List<String> names = NotifyEvents.of(event, job);
        if (names.isEmpty()) return List.of();
        Instant now = Instant.now();
        var out = new ArrayList<NotificationDelivery>();
        for (var s : subscriptions.get()) {
            // one delivery per subscription and event, named by the first of its events the event is
            names.stream().filter(s.events()::contains).findFirst().filter(n -> passes(s.filters(), job, event))
                    .ifPresent(n -> out.add(delivery(s.id(), s.url(), s.format(), n, event, job, now)));
        }
        if (job != null) {
            for (NotifyTarget t : job.spec().notifyTargets()) {
                names.stream().filter(t.on()::contains).findFirst()
                        .ifPresent(n -> out.add(delivery(null, t.url(), Payloads.JSON, n, event, job, now)));
            }
        }
        if (!out.isEmpty()) withDeliveries.add(event.id());
        return out;
    }

    /** Whether the committed {@code event} wrote deliveries (asked once per event, in commit order). */
    boolean takeWritten(Event event) {
        boolean wrote = withDeliveries.remove(event.id());
        if (!withDeliveries.isEmpty()) withDeliveries.headSet(event.id()).clear();
        return wrote;
    }

    private NotificationDelivery delivery(String subscriptionId, String url, String format, String name, Event event,
                                          Job job, Instant now) {
        String id = UUID.randomUUID().toString();
        return NotificationDelivery.pending(id, subscriptionId, job == null ? event.jobId() : job.id(), url, name,
                payloads.forEvent(format, id, name, event, job, now), now);
    }

    /** Whether a subscription's filters let this job (or, for an event without a job, its data) through. */
    static boolean passes(NotificationSubscription.Filters f, Job job, Event event) {
        String type = job != null ? job.spec().type() : (String) event.data().get("type");
        String name = job != null ? job.spec().name() : (String) event.data().get("name");
        if (f.type() != null && !f.type().equals(type)) return false;
        if (f.name() != null && !f.name().equals(name)) return false;
        if (f.labels().isEmpty()) return true;
        if (job == null) return false;
        var labels = job.spec().requirements();
        return f.labels().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
