package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.protocol.LogLine;
import dev.kiln.server.logs.LogListener;
import dev.kiln.server.store.Store;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Fans committed events and stored log lines out to live clients. Producers (the store's threads) only offer to
 * bounded inboxes; a client that cannot keep up loses its subscription, never slows anyone else.
 *
 * <p>On one database shared by several servers ({@link #tailing}) the events come from an {@link EventTail} of the
 * events table, not from this server's bus: every server's clients see every server's events, each in id order,
 * once. Lines stored by another server are read from the store by each {@link JobFeed} ({@link #linesElsewhere}).
 */
public final class LiveHub implements LogListener, AutoCloseable {
    public static final int EVENT_INBOX = 20_000;
    public static final int LINE_INBOX = 256; // batches (shared, not copied): a stalled client pins at most 256 chunks

    private record EventSub(Predicate<Event> filter, Subscription<Event> sub) {}

    private final Set<EventSub> eventSubs = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<Subscription<LineBatch>>> lineSubs = new ConcurrentHashMap<>();

    /** Shared database: the tail feeding the event subscribers, else null (they take this server's bus). */
    private final EventTail tail;
    /** Shared database: the newest event handed to the subscribers (under {@code tailLock}). */
    private long tailedThrough;
    private final Object tailLock = new Object();

    /** One server: its bus carries every event committed. */
    public LiveHub(EventBus bus) {
        this.tail = null;
        bus.subscribe(this::publish);
    }

    private LiveHub(Store store) {
        long newest = store.lastEventId();
        this.tailedThrough = newest;
        this.tail = new EventTail(store, newest, this::publishTailed);
    }

    /** Several servers on one database: events come from the store's events table, whoever committed them. */
    public static LiveHub tailing(Store store) {
        return new LiveHub(store);
    }

    /** A new subscription and the id its live events carry on after. */
    record Opened(Subscription<Event> live, long newest) {}

    /**
     * Live events matching {@code filter}, and the id they carry on after: every event with a greater id reaches the
     * subscription, every one up to it is in the store. One server: the store's newest, read after subscribing (the
     * bus publishes after the commit). Shared: the tail's position, read under the lock the tail hands events on
     * with, so none falls between the two.
     */
    Opened eventsAfterNewest(Predicate<Event> filter, Store store) {
        if (tail == null) {
            var live = events(filter);
            return new Opened(live, store.lastEventId());
        }
        synchronized (tailLock) {
            return new Opened(events(filter), tailedThrough);
        }
    }

    /** Whether log lines may be stored by another server (the agent is connected there), so never reach this hub. */
    boolean linesElsewhere() {
        return tail != null;
    }

    private void publishTailed(Event e) {
        synchronized (tailLock) { // only offers to bounded inboxes: never waits
            tailedThrough = e.id();
            publish(e);
        }
    }

    /** Stored log lines, from the engine (wired by the composition root). */
    @Override
    public void onLines(String jobId, int attempt, long firstLine, List<LogLine> lines) {
        var subs = lineSubs.get(jobId);
        if (subs == null) return;
        var batch = new LineBatch(jobId, attempt, firstLine, lines);
        for (var s : subs) s.offer(batch);
    }

    private void publish(Event e) {
        for (var s : eventSubs) if (s.filter().test(e)) s.sub().offer(e);
    }

    /** Live events matching {@code filter}, from now on. */
    public Subscription<Event> events(Predicate<Event> filter) {
        var holder = new EventSub[1];
        var sub = new Subscription<Event>(EVENT_INBOX, () -> eventSubs.remove(holder[0]));
        holder[0] = new EventSub(filter, sub);
        eventSubs.add(holder[0]);
        return sub;
    }

    /** Live log lines of one job (every attempt), from now on. */
    public Subscription<LineBatch> lines(String jobId) {
        var holder = new Subscription[1];
        @SuppressWarnings("unchecked")
        var sub = new Subscription<LineBatch>(LINE_INBOX, () -> lineSubs.computeIfPresent(jobId, (k, set) -> {
            set.remove(holder[0]);
            return set.isEmpty() ? null : set;
        }));
        holder[0] = sub;
        lineSubs.computeIfAbsent(jobId, k -> ConcurrentHashMap.newKeySet()).add(sub);
        return sub;
    }

    /** Whether some event subscriber would take {@code e} now (a synthetic item no one takes need not be made). */
    boolean wanted(Event e) {
        for (var s : eventSubs) if (s.filter().test(e)) return true;
        return false;
    }

    /** Pushes a synthetic item (e.g. an activity snapshot) to every event subscriber that wants it. */
    void publishSynthetic(Event e) {
        publish(e);
    }

    public int clients() {
        return eventSubs.size() + lineSubs.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public void close() {
        if (tail != null) tail.close();
    }
}
