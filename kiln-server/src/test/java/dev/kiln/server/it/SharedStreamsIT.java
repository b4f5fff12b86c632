package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.store.postgres.PostgresUrl;
import dev.kiln.server.store.postgres.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers on one PostgreSQL, the agent on a only: the streams of b (and of a) show every event either server
 * committed, each once and in id order, exactly the events stored; a client resumes by {@code Last-Event-ID} on
 * either server without a gap or a repeat; and a job's log stream on b shows the lines a's agent prints while the job
 * runs. Without the event tail, b's stream would show only what b itself committed (the submissions).
 */
class SharedStreamsIT {
    @TempDir
    static Path dir;
    static String database;
    static KilnTestServer a;
    static KilnTestServer b;

    @BeforeAll
    static void start() throws Exception {
        database = TestPostgres.newDatabase();
        a = KilnTestServer.start(dir.resolve("a"), 4, c -> c.withDatabase(database));
        KilnTestServer.shareSecretsKey(dir.resolve("a"), dir.resolve("b"));
        b = KilnTestServer.startWithoutAgent(dir.resolve("b"), c -> c.withDatabase(database));
    }

    @AfterAll
    static void stop() {
        if (b != null) b.close();
        if (a != null) a.close();
    }

    @Test
    void aStreamOnTheServerWithoutTheAgentSeesEveryEventOfJobsRunThroughTheOther() throws Exception {
        var onB = Recorder.open(b, null, Integer.MAX_VALUE);
        long start = onB.ready.get(30, TimeUnit.SECONDS);
        var ids = new ArrayList<String>();
        for (int i = 0; i < 5; i++) ids.add(a.api.submit(Map.of("name", "via-a-" + i, "command", "echo " + i)).get("id").asText());
        for (String id : ids) assertThat(a.api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed").get("status").asText()).isEqualTo("succeeded");

        long newest = newestStored();
        onB.awaitThrough(newest);
        assertThat(onB.ids(newest)).as("every event stored, in id order, once").isEqualTo(stored(start, newest));
        for (String id : ids) {
            // and as b's API reads them from the store
            var fromApi = new ArrayList<String>();
            b.api.get("/api/v1/jobs/" + id + "/events?limit=5000").json().get("events")
                    .forEach(e -> fromApi.add(e.get("id").asText() + " " + e.get("kind").asText()));
            assertThat(onB.ofJob(id)).as("events of " + id).isEqualTo(fromApi).contains(firstOfKind(fromApi, "job.finished"));
        }
    }

    @Test
    void jobsSubmittedToBothServersAtOnceReachEveryStreamInIdOrder() throws Exception {
        var onA = Recorder.open(a, null, Integer.MAX_VALUE);
        var onB = Recorder.open(b, null, Integer.MAX_VALUE);
        long startA = onA.ready.get(30, TimeUnit.SECONDS), startB = onB.ready.get(30, TimeUnit.SECONDS);
        List<String> ids;
        try (var submitters = Executors.newFixedThreadPool(4)) {
            var submitted = IntStream.range(0, 30).mapToObj(i -> CompletableFuture.supplyAsync(() ->
                    (i % 2 == 0 ? a : b).api.submit(Map.of("name", "both-" + i, "command", "echo " + i)).get("id").asText(),
                    submitters)).toList();
            ids = submitted.stream().map(CompletableFuture::join).toList();
        }
        for (String id : ids) assertThat(b.api.awaitStatus(id, Duration.ofSeconds(120), "succeeded", "failed").get("status").asText()).isEqualTo("succeeded");

        long newest = newestStored();
        onA.awaitThrough(newest);
        onB.awaitThrough(newest);
        assertThat(onA.ids(newest)).isEqualTo(stored(startA, newest));
        assertThat(onB.ids(newest)).isEqualTo(stored(startB, newest));
        for (String id : ids) assertThat(onB.ofJob(id)).as("events of " + id).isEqualTo(onA.ofJob(id)).isNotEmpty();
    }

    @Test
    void aClientResumesOnEitherServerWithoutAGapOrARepeat() throws Exception {
        var first = Recorder.open(b, null, 8);
        long start = first.ready.get(30, TimeUnit.SECONDS);
        var ids = new ArrayList<String>();
        for (int i = 0; i < 8; i++) {
            ids.add((i % 2 == 0 ? a : b).api.submit(Map.of("name", "resume-" + i, "command", "echo " + i + "; sleep 0.3")).get("id").asText());
        }
        // b, then b again from where it stopped (while jobs still run), then a from b's cursor, then b from a's
        String cursor = first.finished();
        var second = Recorder.open(b, cursor, 8);
        cursor = second.finished();
        var third = Recorder.open(a, cursor, 8);
        cursor = third.finished();
        var fourth = Recorder.open(b, cursor, Integer.MAX_VALUE);
        for (String id : ids) assertThat(a.api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed").get("status").asText()).isEqualTo("succeeded");

        long newest = newestStored();
        fourth.awaitThrough(newest);
        var seen = new ArrayList<Long>();
        for (var r : List.of(first, second, third, fourth)) seen.addAll(r.ids(newest));
        assertThat(seen).as("the four streams joined").isEqualTo(stored(start, newest));
    }

    @Test
    void aJobsLogStreamOnTheOtherServerShowsItsLinesWhileItRuns() throws Exception {
        Path go = Files.createDirectories(dir.resolve("log-stream")).resolve("go");
        // the job cannot end before b's stream has shown its first line: proof the line came while it ran
        String command = "echo first; while [ ! -f " + go + " ]; do sleep 0.05; done; "
                + "for i in $(seq 1 40); do echo line-$i; sleep 0.05; done";
        String id = a.api.submit(Map.of("name", "printer", "command", command)).get("id").asText();
        var texts = new ArrayList<String>();
        var numbers = new ArrayList<Long>();
        var end = new CompletableFuture<JsonNode>();
        var reading = CompletableFuture.runAsync(() -> read(b.api.base() + "/api/v1/jobs/" + id + "/logs/stream?attempt=1", b, e -> {
            if (e.name().equals("end")) {
                end.complete(e.data());
                return false;
            }
            if (e.name().equals("lines")) {
                for (JsonNode l : e.data().get("lines")) {
                    if (!l.get("stream").asText().equals("SYSTEM")) texts.add(l.get("text").asText()); // not the [agent]/[kiln] notes
                    numbers.add(l.get("number").asLong());
                    if (l.get("text").asText().equals("first")) touch(go);
                }
            }
            return true;
        }), r -> Thread.ofVirtual().start(r));
        reading.get(60, TimeUnit.SECONDS);
        var expected = new ArrayList<String>(List.of("first"));
        for (int i = 1; i <= 40; i++) expected.add("line-" + i);
        assertThat(texts).isEqualTo(expected);
        // every line of the log once, in order, the job's and the agent's notes alike
        assertThat(numbers).isEqualTo(LongStream.rangeClosed(1, numbers.size()).boxed().toList());
        assertThat(end.get().get("status").asText()).isEqualTo("succeeded");
        assertThat(end.get().get("total_lines").asLong()).isEqualTo(numbers.size());
    }

    private static void read(String url, KilnTestServer server, java.util.function.Predicate<SseClient.SseEvent> sink) {
        try {
            SseClient.read(url, server.api.token(), null, sink);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void touch(Path file) {
        try {
            Files.writeString(file, "go");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String firstOfKind(List<String> events, String kind) {
        return events.stream().filter(e -> e.endsWith(" " + kind)).findFirst().orElseThrow();
    }

    private static long newestStored() throws Exception {
        return query("SELECT coalesce(max(id), 0) FROM events", List.of()).getFirst();
    }

    /** The ids of the stored events after {@code after} up to {@code upTo}, in id order. */
    private static List<Long> stored(long after, long upTo) throws Exception {
        return query("SELECT id FROM events WHERE id > ? AND id <= ? ORDER BY id", List.of(after, upTo));
    }

    private static List<Long> query(String sql, List<Long> params) throws Exception {
        var url = PostgresUrl.parse(database);
        var out = new ArrayList<Long>();
        try (var c = DriverManager.getConnection(url.jdbcUrl(), url.properties()); var q = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) q.setLong(i + 1, params.get(i));
            try (var rs = q.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** One client of a server's {@code /api/v1/stream}, reading on a thread of its own until it has {@code limit} events. */
    private static final class Recorder {
        final List<SseClient.SseEvent> events = new CopyOnWriteArrayList<>();
        final CompletableFuture<Long> ready = new CompletableFuture<>();
        final CompletableFuture<String> done;

        private Recorder(KilnTestServer server, String lastEventId, int limit) {
            done = CompletableFuture.supplyAsync(() -> {
                try {
                    return SseClient.read(server.api.base() + "/api/v1/stream", server.api.token(), lastEventId, e -> {
                        if (e.name().equals("ready")) ready.complete(e.data().get("cursor").asLong());
                        else if (e.id() != null) events.add(e); // stored events (activity snapshots have no id)
                        return events.size() < limit;
                    });
                } catch (Exception e) {
                    ready.completeExceptionally(e);
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
        }

        static Recorder open(KilnTestServer server, String lastEventId, int limit) {
            return new Recorder(server, lastEventId, limit);
        }

        /** Waits until it has read its {@code limit} events; the id of the last one (its cursor). */
        String finished() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }

        void awaitThrough(long id) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !events.isEmpty()
                    && Long.parseLong(events.getLast().id()) >= id);
        }

        /** The ids it got up to {@code upTo}, in the order it got them. */
        List<Long> ids(long upTo) {
            return events.stream().map(e -> Long.parseLong(e.id())).filter(id -> id <= upTo).toList();
        }

        List<String> ofJob(String jobId) {
            return events.stream().filter(e -> jobId.equals(e.data().path("job_id").asText(null)))
                    .map(e -> e.id() + " " + e.name()).toList();
        }
    }
}
