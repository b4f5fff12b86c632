package dev.kiln.bench;

import dev.kiln.server.events.Event;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Opening {@code /api/v1/stream} as a new dashboard tab does, with 100,000 events stored: how long until the stream
 * is caught up (its {@code activity} snapshot, sent right after any replay) and how much it sent before. Issue 12:
 * a new client was sent the whole history; it now starts from now.
 */
final class StreamOpenScenario {
    static final int EVENTS = 100_000;
    private final Bench bench;
    private final HttpClient http = HttpClient.newHttpClient();

    StreamOpenScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        bench.startServer(1);
        for (int done = 0; done < EVENTS; done += 10_000) { // in the store as a busy job would leave them
            bench.server().store().write(tx -> IntStream.range(0, 10_000)
                    .mapToObj(i -> tx.appendEvent(Event.draft(null, "job.output", Map.of("key", "k" + i, "value", "v")))).toList()).join();
        }
        open(); // warm
        var ms = new Stats();
        long[] last = null;
        for (int i = 0; i < (bench.quick() ? 3 : 7); i++) {
            last = open();
            ms.add(last[0]);
        }
        Bench.report("stream-open", String.format("open /api/v1/stream with %,d events stored: caught up in p50 %s "
                + "(%,d events, %,d bytes before it)%s", EVENTS, Stats.ms(ms.percentile(50)), last[1], last[2], Bench.memory()));
    }

    /** {nanos until the activity snapshot, events before it, bytes before it}. */
    private long[] open() throws Exception {
        long start = System.nanoTime();
        var r = http.send(HttpRequest.newBuilder(URI.create(bench.base() + "/api/v1/stream"))
                .header("Authorization", "Bearer " + bench.token()).build(), HttpResponse.BodyHandlers.ofInputStream());
        long events = 0, bytes = 0;
        try (InputStream body = r.body(); var in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                bytes += line.length() + 1;
                if (line.equals("event: activity")) return new long[] {System.nanoTime() - start, events, bytes};
                if (line.startsWith("id: ")) events++;
            }
        }
        throw new IllegalStateException("the stream ended before it was caught up");
    }
}
