package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.protocol.LogLine;
import dev.kiln.server.logs.LogListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Fans committed events and stored log lines out to live clients. Producers (the store's threads) only offer to
 * bounded inboxes; a client that cannot keep up loses its subscription, never slows anyone else.
 */
public final class LiveHub implements LogListener {
    public static final int EVENT_INBOX = 20_000;
    public static final int LINE_INBOX = 256; // batches (shared, not copied): a stalled client pins at most 256 chunks

    private record EventSub(Predicate<Event> filter, Subscription<Event> sub) {}

    private final Set<EventSub> eventSubs = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<Subscription<LineBatch>>> lineSubs = new ConcurrentHashMap<>();

    public LiveHub(EventBus bus) {
        bus.subscribe(this::publish);
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

    /** Pushes a synthetic item (e.g. an activity snapshot) to every event subscriber that wants it. */
    void publishSynthetic(Event e) {
        publish(e);
    }

    public int clients() {
        return eventSubs.size() + lineSubs.values().stream().mapToInt(Set::size).sum();
    }
}
