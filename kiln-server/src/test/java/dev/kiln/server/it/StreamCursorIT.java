package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.Event;
import dev.kiln.server.live.EventFeed;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code /api/v1/stream} starts: from now without a cursor; after {@code ?since=} or {@code Last-Event-ID}
 * exactly the missed events; past {@link EventFeed#MAX_REPLAY} missed events a bounded replay and a {@code reset}.
 * Each test writes events of its own kind prefix straight to the store and asks the stream for that prefix only.
 */
class StreamCursorIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 1);
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    private static List<Event> append(String kind, int count) {
        return kiln.server.store().write(tx -> IntStream.range(0, count)
                .mapToObj(i -> tx.appendEvent(Event.draft(null, kind, Map.of("n", i)))).toList()).join();
    }

    private static String url(String query) {
        return kiln.server.baseUrl() + "/api/v1/stream?" + query;
    }

    @Test
    void aNewClientStartsFromNowNotFromTheBeginning() throws Exception {
        append("fresh.old", 3);
        var seen = new CopyOnWriteArrayList<SseClient.SseEvent>();
        var ready = new CompletableFuture<SseClient.SseEvent>();
        var reading = CompletableFuture.runAsync(() -> read(url("kinds=fresh."), null, e -> {
            if (e.name().equals("ready")) ready.complete(e);
            else seen.add(e);
            return !e.name().equals("fresh.new") || e.data().get("data").get("n").asInt() < 1;
        }));
        var r = ready.get(10, TimeUnit.SECONDS);
        // the ready event names the cursor (the newest id): a client that saw nothing yet can still resume from it
        assertThat(r.id()).isEqualTo(Long.toString(kiln.server.store().lastEventId()));
        assertThat(r.data().get("replayed").asInt()).isZero();
        var fresh = append("fresh.new", 2);
        reading.get(10, TimeUnit.SECONDS);
        assertThat(seen).extracting(SseClient.SseEvent::id)
                .containsExactly(Long.toString(fresh.get(0).id()), Long.toString(fresh.get(1).id()));
    }

    @Test
    void sinceAndLastEventIdReplayExactlyTheMissedEvents() throws Exception {
        var stored = append("missed.", 6);
        long cursor = stored.get(1).id();
        var expected = stored.subList(2, 6).stream().map(e -> Long.toString(e.id())).toList();

        assertThat(replayUntilReady(url("kinds=missed.&since=" + cursor), null)).isEqualTo(expected);
        assertThat(replayUntilReady(url("kinds=missed."), Long.toString(cursor))).isEqualTo(expected);
        // the header wins over the query, as a browser's reconnect sends the newer cursor in it
        assertThat(replayUntilReady(url("kinds=missed.&since=0"), Long.toString(cursor))).isEqualTo(expected);
        assertThat(replayUntilReady(url("kinds=missed.&since=" + stored.get(5).id()), null)).isEmpty();
    }

    @Test
    void aGapLargerThanTheReplayBoundSendsWhatFitsThenReset() throws Exception {
        long cursor = kiln.server.store().lastEventId();
        var stored = append("gap.", EventFeed.MAX_REPLAY + 500);
        long newest = stored.get(stored.size() - 1).id();
        var names = new ArrayList<String>();
        var ids = new ArrayList<String>();
        var reset = new CompletableFuture<SseClient.SseEvent>();
        read(url("kinds=gap.&since=" + cursor), null, e -> {
            names.add(e.name());
            if (e.name().equals("gap.")) ids.add(e.id());
            if (e.name().equals("reset")) reset.complete(e);
            return !e.name().equals("ready");
        });
        // the first MAX_REPLAY missed events, in order, then reset and ready: never the whole gap
        assertThat(ids).isEqualTo(stored.subList(0, EventFeed.MAX_REPLAY).stream().map(e -> Long.toString(e.id())).toList());
        assertThat(names.subList(names.size() - 2, names.size())).containsExactly("reset", "ready");
        var r = reset.get();
        // the client resumes after the gap (at the newest event when the stream opened), not inside it
        assertThat(Long.parseLong(r.id())).isGreaterThanOrEqualTo(newest);
        assertThat(r.data().get("cursor").asText()).isEqualTo(r.id());
        assertThat(r.data().get("missed_after").asLong()).isEqualTo(stored.get(EventFeed.MAX_REPLAY - 1).id());
        assertThat(r.data().get("reason").asText()).contains("reload");
        // resuming from the reset's id replays nothing more
        assertThat(replayUntilReady(url("kinds=gap."), r.id())).isEmpty();
    }

    @Test
    void aCursorBeyondTheNewestEventIsAResetToTheNewest() throws Exception {
        long newest = kiln.server.store().lastEventId();
        var names = new ArrayList<String>();
        String last = read(url("kinds=none.&since=" + (newest + 1_000_000)), null, e -> {
            names.add(e.name());
            return !e.name().equals("ready");
        });
        assertThat(names).containsExactly("reset", "ready");
        assertThat(Long.parseLong(last)).isGreaterThanOrEqualTo(newest).isLessThan(newest + 1_000_000);
    }

    @Test
    void aBadCursorIsABadRequest() {
        assertThat(kiln.api.get("/api/v1/stream?since=abc").status()).isEqualTo(400);
        assertThat(kiln.api.get("/api/v1/stream?since=-1").status()).isEqualTo(400);
    }

    /** The ids of the stored events sent before {@code ready}. */
    private static List<String> replayUntilReady(String url, String lastEventId) {
        var ids = new ArrayList<String>();
        read(url, lastEventId, e -> {
            if (e.name().equals("ready")) return false;
            ids.add(e.id());
            return true;
        });
        return ids;
    }

    private static String read(String url, String lastEventId, java.util.function.Predicate<SseClient.SseEvent> sink) {
        try {
            return SseClient.read(url, kiln.api.token(), lastEventId, sink);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
