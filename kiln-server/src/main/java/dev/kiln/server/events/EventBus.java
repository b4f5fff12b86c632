package dev.kiln.server.events;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process fan-out of committed events, in commit order. Listeners run on the store's completions thread (after
 * the commit, before the writes' futures complete) and must only hand the event on (enqueue), never block.
 */
public final class EventBus {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();

    /** A listener's registration; closing it (which throws nothing) stops the deliveries. */
    public interface Listening extends AutoCloseable {
        @Override
        void close();
    }

    public Listening subscribe(Consumer<Event> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public void publish(Event event) {
        for (var l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                log.warn("event listener failed on {}", event.kind(), e);
            }
        }
    }
}
