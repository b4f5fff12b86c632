package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.logs.NumberedLine;
import dev.kiln.server.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything one client watching one job needs, in order and exactly once: log lines (and, for the WebSocket, the
 * job's events) from a cursor on — first what is stored, then live — and a final {@link Item.Closed} when the
 * attempt (or, following attempts, the job) has ended and every line was handed out.
 *
 * <p>The seam between stored and live has no gap and no repeat: the live subscription starts before the store is
 * read, and anything at or before the cursor is skipped. A live batch that starts past the cursor (lines stored
 * between two reads) sends the feed back to the store, as does a quiet spell on a shared database ({@link #QUIET_MS}).
 */
public final class JobFeed implements AutoCloseable {
    public sealed interface Item {
        /** {@code shared} is the live batch's encoding when these are all of its lines, else null. */
        record Lines(int attempt, List<NumberedLine> lines, SharedJson shared) implements Item {}
        record EventItem(Event event) implements Item {}
        record Closed(String status, int attempt, long totalLines) implements Item {}
    }

    private static final int PAGE = 5_000;
    /**
     * On a shared database, how long without a live batch before the store is read past the cursor: the job's agent
     * may be connected to another server, whose lines only reach this one through the store. One index-range read
     * per quiet client per interval, so only then: on one server every stored line reaches the hub, and reading the
     * store as well would only repeat it.
     */
    static final long QUIET_MS = 250;
    private final boolean linesElsewhere;
    private final Store store;
    private final String jobId;
    private final boolean followAttempts;
    private final boolean withEvents;
    private final Subscription<LineBatch> lines;
    private final Subscription<Event> events;
    private int attempt;
    private long lastLine;
    private long lastEvent;
    private boolean closed;
    private boolean caughtUp;       // the store has been read to its end once; live batches carry on from there
    private boolean eventsReplayed;

    public JobFeed(LiveHub hub, Store store, Job job, int attempt, long afterLine, long afterEvent, boolean followAttempts,
                   boolean withEvents) {
        this.store = store;
        this.jobId = job.id();
        this.followAttempts = followAttempts;
        this.withEvents = withEvents;
        this.lines = hub.lines(jobId);
        this.linesElsewhere = hub.linesElsewhere();
        this.events = withEvents ? hub.events(e -> jobId.equals(e.jobId())) : null;
        this.attempt = attempt > 0 ? attempt : Math.max(1, job.attempt());
        this.lastLine = afterLine;
        this.lastEvent = afterEvent;
    }

    public boolean overflowed() {
        return lines.overflowed() || (events != null && events.overflowed());
    }

    public void onOverflow(Runnable action) {
        lines.onOverflow(action);
        if (events != null) events.onOverflow(action);
    }

    public int attempt() {
        return attempt;
    }

    /** The next items, waiting up to {@code waitMs} when there is nothing new. Empty list: nothing yet. */
    public List<Item> next(long waitMs) throws InterruptedException {
        var out = new ArrayList<Item>();
        if (closed) return out;
        if (withEvents) drainEvents(out);
        if (!caughtUp) {
            int got = readStore(out);
            if (got < PAGE) caughtUp = true;
            if (!out.isEmpty()) return out;
        }
        // Nothing stored past the cursor: wait for something live.
        LineBatch batch = lines.poll(linesElsewhere ? Math.min(waitMs, QUIET_MS) : waitMs);
        while (batch != null) {
            take(batch, out);
            batch = lines.pollNow();
        }
        if (out.isEmpty() && linesElsewhere && readStore(out) == PAGE) caughtUp = false;
        if (withEvents) drainEvents(out);
        if (out.isEmpty()) checkEnd(out);
        return out;
    }

    private void drainEvents(List<Item> out) {
        if (!eventsReplayed) {
            eventsReplayed = true;
            readStoredEvents(out); // what happened before we subscribed
        }
        Event e;
        while ((e = events.pollNow()) != null) {
            if (e.id() > lastEvent) {
                out.add(new Item.EventItem(e));
                lastEvent = e.id();
            }
        }
    }

    private void readStoredEvents(List<Item> out) {
        List<Event> stored;
        do {
            stored = store.jobEvents(jobId, lastEvent, 1000);
            for (Event e : stored) {
                out.add(new Item.EventItem(e));
                lastEvent = e.id();
            }
        } while (stored.size() == 1000);
    }

    /** Stored lines past the cursor, a page at a time; returns how many. */
    private int readStore(List<Item> out) {
        List<NumberedLine> page = store.logLines(jobId, attempt, lastLine, PAGE);
        if (!page.isEmpty()) {
            lastLine = page.get(page.size() - 1).number();
            out.add(new Item.Lines(attempt, page, null));
        }
        return page.size();
    }

    private void take(LineBatch batch, List<Item> out) {
        if (batch.attempt() != attempt) return;
        long first = batch.firstLine();
        long last = first + batch.lines().size() - 1;
        if (last <= lastLine) return; // already sent from the store
        if (first > lastLine + 1) { // lines stored while we were reading: fetch the missing ones from the store
            readStore(out);
            if (lastLine >= last) return;
            if (first > lastLine + 1) {
                caughtUp = false; // still behind: the next call keeps reading the store
                return;
            }
        }
        var fresh = new ArrayList<NumberedLine>(batch.lines().size());
        for (int i = 0; i < batch.lines().size(); i++) {
            long n = first + i;
            if (n > lastLine) fresh.add(new NumberedLine(n, batch.lines().get(i)));
        }
        if (!fresh.isEmpty()) {
            lastLine = fresh.get(fresh.size() - 1).number();
            out.add(new Item.Lines(attempt, fresh, fresh.size() == batch.lines().size() ? batch.json() : null));
        }
    }

    /** The attempt is over and every line is out: close, or move on to the next attempt. */
    private void checkEnd(List<Item> out) {
        Optional<Attempt> a = store.attempt(jobId, attempt);
        if (a.isEmpty() || a.get().finishedAt() == null) return;
        if (lastLine < a.get().lineCount()) {
            caughtUp = false; // lines we have not seen live (e.g. after an overflow): read them from the store
            return;
        }
        Job job = store.job(jobId).orElseThrow();
        if (followAttempts && job.attempt() > attempt) {
            attempt++;
            lastLine = 0;
            caughtUp = false;
            return;
        }
        if (followAttempts && !job.status().isTerminal()) return; // a retry is queued: wait for it
        if (withEvents) {
            // The store commits an event before its writer publishes it: the attempt can read as finished while its
            // job.finished is not in our inbox yet. The store is the truth, so the last events come from there.
            readStoredEvents(out);
            drainEvents(out);
        }
        closed = true;
        out.add(new Item.Closed(followAttempts ? job.status().wireName() : a.get().status().wireName(), attempt, a.get().lineCount()));
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        lines.close();
        if (events != null) events.close();
    }
}
