package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Job;
import dev.kiln.server.events.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The event log: ids from the store, read back after an id (the SSE cursor), for all jobs or one. */
public interface EventsContract extends StoreFixture {

    @Test
    default void appendedEventGetsAnIdAndRoundTrips() {
        Job job = insert("events");
        Event draft = Event.draft(job.id(), "job.note", Map.of("n", 2, "text", "hi", "nested", Map.of("ok", true)));
        Event stored = write(tx -> tx.appendEvent(draft));
        assertThat(stored.id()).isPositive();
        assertThat(stored.withId(0)).isEqualTo(draft);
        assertThat(store().events(0, 10)).containsExactly(stored);

        Event serverEvent = write(tx -> tx.appendEvent(Event.draft(null, "server.started", Map.of())));
        assertThat(serverEvent.id()).isGreaterThan(stored.id());
        assertThat(store().events(stored.id(), 10)).containsExactly(serverEvent);
        assertThat(serverEvent.jobId()).isNull();
    }

    @Test
    default void eventsAfterAnIdComeOldestFirstUpToTheLimit() {
        var stored = new ArrayList<Event>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            stored.add(write(tx -> tx.appendEvent(Event.draft(null, "e" + n, Map.of("n", n)))));
        }
        assertThat(store().events(0, 100)).containsExactlyElementsOf(stored);
        assertThat(store().events(0, 5)).containsExactlyElementsOf(stored.subList(0, 5));
        assertThat(store().events(stored.get(4).id(), 3)).containsExactlyElementsOf(stored.subList(5, 8));
        assertThat(store().events(stored.get(19).id(), 10)).isEmpty();
        assertThat(store().events(0, 100)).extracting(Event::id).isSorted().doesNotHaveDuplicates();
    }

    @Test
    default void jobEventsAreTheEventsOfThatJobOnly() {
        Job a = insert("a");
        Job b = insert("b");
        var ofA = new ArrayList<Event>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            ofA.add(write(tx -> {
                tx.appendEvent(Event.draft(b.id(), "b" + n, Map.of()));
                tx.appendEvent(Event.draft(null, "server" + n, Map.of()));
                return tx.appendEvent(Event.draft(a.id(), "a" + n, Map.of()));
            }));
        }
        assertThat(store().jobEvents(a.id(), 0, 100)).containsExactlyElementsOf(ofA);
        assertThat(store().jobEvents(a.id(), 0, 4)).containsExactlyElementsOf(ofA.subList(0, 4));
        assertThat(store().jobEvents(a.id(), ofA.get(6).id(), 2)).containsExactlyElementsOf(ofA.subList(7, 9));
        // afterId need not be an event of this job
        long between = ofA.get(2).id() + 1;
        assertThat(store().jobEvents(a.id(), between, 1)).containsExactly(ofA.get(3));
        assertThat(store().jobEvents(b.id(), 0, 100)).hasSize(10).allMatch(e -> e.jobId().equals(b.id()));
        assertThat(store().jobEvents("no-such-job", 0, 100)).isEmpty();
    }

    @Test
    default void lastEventIdIsTheNewestIdOrZero() {
        assertThat(store().lastEventId()).isZero();
        Event first = write(tx -> tx.appendEvent(note(null, "first")));
        assertThat(store().lastEventId()).isEqualTo(first.id());
        List<Event> two = write(tx -> List.of(tx.appendEvent(note(null, "a")), tx.appendEvent(note(null, "b"))));
        assertThat(store().lastEventId()).isEqualTo(two.get(1).id());
        assertThat(store().events(store().lastEventId(), 10)).isEmpty();
    }

    @Test
    default void eventsOfOneWriteHaveIncreasingIdsInAppendOrder() {
        List<Event> three = write(tx -> List.of(tx.appendEvent(note(null, "one")), tx.appendEvent(note(null, "two")),
                tx.appendEvent(note(null, "three"))));
        assertThat(three).extracting(Event::id).isSorted().doesNotHaveDuplicates();
        assertThat(store().events(0, 10)).extracting(Event::kind).containsExactly("one", "two", "three");
    }
}
