package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import dev.kiln.server.store.Store;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several servers on one database: reads the {@code events} table by id (a range of its key, a page at a time,
 * every {@value #POLL_MS} ms when idle) and hands every event on in id order, whichever server committed it. Id order
 * is commit order because every PostgreSQL group commit takes one advisory lock before drawing ids
 * ({@code SqlDialect.batchLock}), so nothing can commit later below the position read. Polling rather than
 * {@code LISTEN/NOTIFY}: no code imports the PostgreSQL driver, and at worst it costs one empty read per interval.
 */
final class EventTail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventTail.class);
    static final String THREAD = "kiln-event-tail";
    static final long POLL_MS = 100;
    private static final long RETRY_MS = 1000;
    private static final int PAGE = 1000;

    private final Store store;
    private final Consumer<Event> sink;
    private final Thread thread;
    private long after;
    private volatile boolean closed;

    /** Hands on every event after {@code after} to {@code sink}, on a thread of its own. */
    EventTail(Store store, long after, Consumer<Event> sink) {
        this.store = store;
        this.after = after;
        this.sink = sink;
        this.thread = Thread.ofPlatform().name(THREAD).daemon(true).start(this::run);
    }

    private void run() {
        boolean failing = false;
        while (!closed) {
            try {
                List<Event> page = store.events(after, PAGE);
                for (Event e : page) {
                    sink.accept(e);
                    after = e.id();
                }
                failing = false;
                if (page.size() < PAGE) Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) return;
                // the database restarting: the streams wait, then carry on from the same id
                if (!failing) log.warn("cannot read new events from the shared database yet: {}", e.getMessage());
                failing = true;
                try {
                    Thread.sleep(RETRY_MS);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
