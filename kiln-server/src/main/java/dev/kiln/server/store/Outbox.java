package dev.kiln.server.store;

import dev.kiln.server.core.Job;
import dev.kiln.server.events.Event;
import java.util.List;

/**
 * The notifications an event causes. The store asks it for every event appended and writes what it returns into the
 * same transaction, so a committed event never lacks its deliveries (a crash cannot lose one) and a rolled-back one
 * leaves none. It runs on the store's writer thread: memory only, no I/O, no waiting.
 */
@FunctionalInterface
public interface Outbox {
    Outbox NONE = (event, job) -> List.of();

    /**
     * The deliveries {@code event} causes; {@code job} is the job this transaction wrote with the event's job id (its
     * state after the event), or null when it wrote none.
     */
    List<NotificationDelivery> deliveriesFor(Event event, Job job);
}
