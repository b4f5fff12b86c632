package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import dev.kiln.server.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The events one client of the global stream wants, in order and exactly once. A client without a cursor starts
 * from now: nothing stored is read. A client with a cursor first gets what it missed, at most {@link #MAX_REPLAY}
 * stored events read, then live; when it missed more than that, a {@link Item.Reset} tells it to reload what it
 * shows, and it goes on from the newest event. The live subscription starts before the newest id is read (on a
 * shared database: the event tail's position, see {@link LiveHub#tailing}) and anything at or before the cursor is
 * skipped, so the seam has no gap and no repeat. Every read is a range of an
 * index (by id, or by job and id for one job's events), so opening a stream costs the same whatever the table holds.
 * Synthetic items (id 0, such as activity snapshots) are not stored and pass straight through.
 */
public final class EventFeed implements AutoCloseable {
    /** The most stored events one opening reads to catch a client up; past that it is told to reload instead. */
    public static final int MAX_REPLAY = 10_000;
    private static final int PAGE = 1000;

    /** What the stream sends, in order. */
    public sealed interface Item {
        /** A stored event (it has an id) or a synthetic snapshot (id 0). */
        record Delivered(Event event) implements Item {}

        /** The client missed more than {@link #MAX_REPLAY} events: reload, the stream goes on after {@code cursor}. */
        record Reset(long missedAfter, long cursor) implements Item {}

        /** The replay is done (or there was none): from here on events come live, after {@code cursor}. */
        record Ready(long cursor, int replayed) implements Item {}
    }

    private final Store store;
    private final EventFilter filter;
    private final Subscription<Event> live;
    private final long newest;
    private long cursor;
    private int read;
    private int replayed;
    private boolean caughtUp;

    /** {@code since}: the client's cursor (the last id it has), or empty to start from now. */
    public EventFeed(LiveHub hub, Store store, OptionalLong since, EventFilter filter) {
        this.store = store;
        this.filter = filter;
        var opened = hub.eventsAfterNewest(filter::test, store); // anything newer than newest is in the inbox
        this.live = opened.live();
        this.newest = opened.newest();
        this.cursor = since.orElse(newest);
    }

    /** The next items, waiting up to {@code waitMs} for live ones once caught up. Empty: nothing yet. */
    public List<Item> next(long waitMs) throws InterruptedException {
        var out = new ArrayList<Item>();
        if (!caughtUp) {
            replay(out);
            return out;
        }
        Event e = live.poll(waitMs);
        while (e != null) {
            if (e.id() == 0 || e.id() > cursor) {
                if (e.id() != 0) cursor = e.id();
                out.add(new Item.Delivered(e));
            }
            e = live.pollNow();
        }
        return out;
    }

    /** One page of the replay; the last one ends it with {@code ready}, after a {@code reset} if the gap was too big. */
    private void replay(List<Item> out) {
        if (cursor > newest) {
            // A cursor from another server's stream on the same database, whose tail is ahead of ours: what follows
            // it comes live. A cursor past the store's newest is from another database (the data dir was replaced).
            if (cursor > store.lastEventId()) reset(out);
            else ready(out);
            return;
        }
        int limit = Math.min(PAGE, MAX_REPLAY - read);
        List<Event> page = cursor == newest ? List.of() : stored(cursor, limit);
        for (Event e : page) {
            if (e.id() > newest) { // live from here on: it is in the inbox too
                ready(out);
                return;
            }
            cursor = e.id();
            read++;
            if (filter.test(e)) {
                out.add(new Item.Delivered(e));
                replayed++;
            }
        }
        if (page.size() < limit || cursor == newest) {
            ready(out);
        } else if (read >= MAX_REPLAY) {
            var more = stored(cursor, 1);
            if (!more.isEmpty() && more.get(0).id() <= newest) reset(out);
            else ready(out);
        }
    }

    private void reset(List<Item> out) {
        out.add(new Item.Reset(cursor, newest));
        cursor = newest;
        ready(out);
    }

    /** Everything up to {@code newest} is sent (for a job, its events up to there): the cursor is the newest. */
    private void ready(List<Item> out) {
        cursor = Math.max(cursor, newest);
        out.add(new Item.Ready(cursor, replayed));
        caughtUp = true;
    }

    /** One job's events by the job's index; every job's by id. */
    private List<Event> stored(long after, int limit) {
        return filter.jobId() == null ? store.events(after, limit) : store.jobEvents(filter.jobId(), after, limit);
    }

    public boolean overflowed() {
        return live.overflowed();
    }

    @Override
    public void close() {
        live.close();
    }
}
