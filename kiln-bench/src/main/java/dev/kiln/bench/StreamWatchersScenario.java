package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * 500 SSE clients (and one that asks and never reads) watching a job print 20,000 lines: how long the job takes
 * with them against the same job alone, and the heap left behind after a GC (the stalled client still connected).
 * Server, embedded agent and clients share this JVM and its cores. Each job waits at a FIFO until every client is
 * connected, so the figure starts with the printing. Was "< 10 s" and "heap left behind < 64 MiB" assertions in
 * StreamLoadIT. Full mode only (~20 s).
 */
final class StreamWatchersScenario {
    static final int CLIENTS = 500;
    /** As in StreamLoadIT; fewer lines print in a few ms alone, too short to compare. */
    static final int LINES = 20_000;
    private final Bench bench;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    StreamWatchersScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int lines = LINES;
        bench.startServer(2);
        Path gates = Files.createTempDirectory("kiln-bench-gates");
        try {
            bench.awaitDone(bench.submit(Map.of("command", "seq 1 " + lines)).get("id").asText()); // warm the log path
            var alone = new GatedJob(gates.resolve("alone"), lines);
            alone.release();
            Duration aloneRan = alone.ran();

            var memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long before = memory.getHeapMemoryUsage().getUsed();
            var watched = new GatedJob(gates.resolve("watched"), lines);
            String path = "/api/v1/jobs/" + watched.id + "/logs/stream?attempt=1";
            try (var stalled = new Socket("127.0.0.1", bench.server().port())) {
                stalled.setReceiveBufferSize(4096);
                OutputStream raw = stalled.getOutputStream();
                raw.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + bench.token()
                        + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                raw.flush();
                var connected = new CountDownLatch(CLIENTS);
                var received = new AtomicLong();
                var reconnects = new AtomicLong();
                var wrong = new AtomicLong();
                var done = new ArrayList<CompletableFuture<Void>>();
                try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int c = 0; c < CLIENTS; c++) {
                        done.add(CompletableFuture.runAsync(() -> watch(bench.base() + path, lines, connected, received, reconnects, wrong), pool));
                    }
                    if (!connected.await(60, TimeUnit.SECONDS)) throw new IllegalStateException(connected.getCount() + " clients never connected");
                    watched.release();
                    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
                }
                Duration ran = watched.ran();
                System.gc();
                long after = memory.getHeapMemoryUsage().getUsed(); // the stalled client still connected, as it was all along
                if (wrong.get() > 0 || received.get() != (long) CLIENTS * lines) {
                    throw new IllegalStateException(received.get() + " lines received of " + (long) CLIENTS * lines + ", " + wrong.get() + " out of order");
                }
                Bench.report("watchers", String.format("%d SSE watchers (+1 stalled) x %,d lines: job printed for %.2f s vs %.2f s alone (%.1fx); "
                                + "%d reconnects of slow clients; heap retained after a GC %+,d KiB (before %d MiB)%s",
                        CLIENTS, lines, ran.toNanos() / 1e9, aloneRan.toNanos() / 1e9, (double) ran.toNanos() / aloneRan.toNanos(),
                        reconnects.get(), (after - before) >> 10, before >> 20, Bench.memory()));
            }
        } finally {
            try (var left = Files.list(gates)) {
                for (Path p : left.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(gates);
        }
    }

    /** A job that prints {@code seq 1 lines} once released: it first blocks reading a FIFO until the bench opens it. */
    private final class GatedJob {
        final Path fifo;
        final String id;
        Instant released;

        GatedJob(Path fifo, int lines) throws Exception {
            this.fifo = fifo;
            if (new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor() != 0) throw new IOException("mkfifo " + fifo);
            id = bench.submit(Map.of("command", "cat " + fifo + " > /dev/null; seq 1 " + lines, "name", "gated")).get("id").asText();
            while (!bench.get("/api/v1/jobs/" + id + "/status").get("status").asText().equals("running")) Thread.sleep(20);
        }

        /** Opening the FIFO for writing returns once the job's {@code cat} has it open; closing it lets the job go on. */
        void release() throws IOException {
            try (OutputStream ignored = Files.newOutputStream(fifo)) {
                released = Instant.now();
            }
        }

        Duration ran() throws Exception {
            JsonNode job = bench.awaitDone(id);
            if (!job.get("status").asText().equals("succeeded")) throw new IllegalStateException("job " + job.get("status"));
            return Duration.between(released, Instant.parse(job.get("completed_at").asText()));
        }
    }

    /**
     * One watcher: like EventSource, it comes back with its cursor (Last-Event-ID) when the server drops it for falling
     * behind, and counts every STDOUT line, which must arrive once and in order.
     */
    private void watch(String url, int lines, CountDownLatch connected, AtomicLong received, AtomicLong reconnects, AtomicLong wrong) {
        long next = 1;
        String cursor = null;
        boolean first = true;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                var b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
                        .header("Authorization", "Bearer " + bench.token());
                if (cursor != null) b.header("Last-Event-ID", cursor);
                HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
                if (first) {
                    connected.countDown();
                    first = false;
                }
                try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    String line, id = null, event = null;
                    StringBuilder data = new StringBuilder();
                    while ((line = in.readLine()) != null) {
                        if (line.isEmpty()) {
                            if ("end".equals(event)) return;
                            if ("lines".equals(event)) {
                                for (JsonNode l : Bench.JSON.readTree(data.toString()).get("lines")) {
                                    if (!l.get("stream").asText().equals("STDOUT")) continue;
                                    if (!l.get("text").asText().equals(Long.toString(next))) wrong.incrementAndGet();
                                    next++;
                                    received.incrementAndGet();
                                }
                            }
                            if (id != null) cursor = id;
                            id = null;
                            event = null;
                            data.setLength(0);
                        } else if (line.startsWith("id: ")) id = line.substring(4);
                        else if (line.startsWith("event: ")) event = line.substring(7);
                        else if (line.startsWith("data: ")) data.append(line.substring(6));
                    }
                }
            } catch (IOException dropped) {
                // dropped mid-stream: resume from the last event seen
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            reconnects.incrementAndGet();
        }
        if (first) connected.countDown();
        wrong.addAndGet(lines + 1 - next);
    }
}
