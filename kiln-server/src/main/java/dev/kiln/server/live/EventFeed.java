package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import dev.kiln.server.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The events one client of the global stream wants, from its cursor on, in order and exactly once: first what is
 * stored (a page at a time), then live. The live subscription starts before the store is read and anything at or
 * before the cursor is skipped, so the seam has no gap and no repeat. Synthetic items (id 0, such as activity
 * snapshots) are not stored and pass straight through.
 */
public final class EventFeed implements AutoCloseable {
    private static final int PAGE = 1000;
    private final Store store;
    private final Predicate<Event> wanted;
    private final Subscription<Event> live;
    private long cursor;
    private boolean caughtUp;

    /** {@code synthetic}: whether this client also gets synthetic items that match {@code wanted}. */
    public EventFeed(LiveHub hub, Store store, long after, Predicate<Event> wanted, boolean synthetic) {
        this.store = store;
        this.wanted = wanted;
        this.cursor = after;
        this.live = hub.events(e -> e.id() == 0 ? synthetic && wanted.test(e) : wanted.test(e));
    }

    /** The next events, waiting up to {@code waitMs} for live ones once the store is read. Empty: nothing yet. */
    public List<Event> next(long waitMs) throws InterruptedException {
        var out = new ArrayList<Event>();
        if (!caughtUp) {
            List<Event> page = store.events(cursor, PAGE);
            for (Event e : page) {
                cursor = e.id();
                if (wanted.test(e)) out.add(e);
            }
            caughtUp = page.size() < PAGE;
            return out;
        }
        Event e = live.poll(waitMs);
        while (e != null) {
            if (e.id() == 0) {
                out.add(e);
            } else if (e.id() > cursor) {
                cursor = e.id();
                out.add(e);
            }
            e = live.pollNow();
        }
        return out;
    }

    /** The store has been read to its end: from here on, events come live. */
    public boolean caughtUp() {
        return caughtUp;
    }

    public boolean overflowed() {
        return live.overflowed();
    }

    @Override
    public void close() {
        live.close();
    }
}
