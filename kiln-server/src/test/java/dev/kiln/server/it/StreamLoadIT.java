package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hundreds of stream clients, one of them stalled, and a server restart under connected clients. Loopback only. */
class StreamLoadIT {
    @TempDir
    Path dir;

    static final int CLIENTS = 500;
    static final int LINES = 20_000;

    @Test
    void fiveHundredClientsGetEverythingAndAStalledOneSlowsNobody() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2)) {
            Api api = kiln.api;
            String id = api.submit(Map.of("command", "sleep 3; seq 1 " + LINES, "name", "loud")).get("id").asText();
            String url = kiln.server.baseUrl() + "/api/v1/jobs/" + id + "/logs/stream?attempt=1";

            // one client that asks and never reads
            var stalled = new Socket("127.0.0.1", kiln.server.port());
            stalled.setReceiveBufferSize(4096);
            OutputStream raw = stalled.getOutputStream();
            raw.write(("GET /api/v1/jobs/" + id + "/logs/stream?attempt=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + api.token() + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            raw.flush();

            var problems = new CopyOnWriteArrayList<String>();
            var received = new AtomicLong();
            var reconnects = new AtomicLong();
            var done = new ArrayList<CompletableFuture<Void>>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    done.add(CompletableFuture.runAsync(() -> {
                        long[] next = {1};
                        boolean[] ended = {false};
                        String[] cursor = {"0"}; // from the first event: the test compares with the whole log
                        // A client that falls too far behind is disconnected on purpose; like EventSource it comes
                        // back with its cursor, and must still get every line exactly once.
                        for (int attempt = 0; attempt < 20 && !ended[0]; attempt++) {
                            try {
                                SseClient.read(url, api.token(), cursor[0], e -> {
                                    if (e.id() != null) cursor[0] = e.id();
                                    if (e.name().equals("lines")) {
                                        for (var l : e.data().get("lines")) {
                                            if (l.get("stream").asText().equals("STDOUT")) {
                                                if (!l.get("text").asText().equals(Long.toString(next[0]))) {
                                                    problems.add("client " + client + " got " + l.get("text").asText() + " for " + next[0]);
                                                }
                                                next[0]++;
                                                received.incrementAndGet();
                                            }
                                        }
                                    }
                                    if (e.name().equals("end")) ended[0] = true;
                                    return !ended[0];
                                });
                            } catch (Exception e) {
                                // dropped mid-stream: resume from the last event seen
                            }
                            if (!ended[0]) reconnects.incrementAndGet();
                        }
                        if (next[0] != LINES + 1) problems.add("client " + client + " ended at " + next[0]);
                    }, pool));
                }
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
            }
            // every client got every line once, the stalled one still connected and unread all along; how much the
            // watchers slow the job and what heap they leave behind are figures: kiln-bench --scenario watchers
            assertThat(problems).isEmpty();
            assertThat(received.get()).isEqualTo((long) CLIENTS * LINES);
            assertThat(api.job(id).get("status").asText()).isEqualTo("succeeded");
            System.out.printf("%d clients x %d lines: %d reconnects of slow clients%n", CLIENTS, LINES, reconnects.get());
            stalled.close();
        }
    }

    static boolean listening(int port) {
        try (var probe = new Socket()) {
            probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Test
    void clientsReconnectAfterAServerRestartWithTheirCursorsAndMissNothing() throws Exception {
        Path data = dir.resolve("restart");
        int port = ServerProcess.freePort();
        var ids = new CopyOnWriteArrayList<Long>();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        String[] token = new String[1];
        String[] cursor = {"0"}; // from the first event: the test compares with the whole log
        var client = new Thread(() -> {
            while (!stop.get()) {
                try {
                    // like EventSource: remember the last id seen and send it as Last-Event-ID on reconnect
                    SseClient.read("http://127.0.0.1:" + port + "/api/v1/stream", token[0], cursor[0], e -> {
                        if (e.id() != null) {
                            ids.add(Long.parseLong(e.id()));
                            cursor[0] = e.id();
                        }
                        return !stop.get();
                    });
                } catch (Exception dropped) {
                    // the server is gone (killed, not restarted yet): reconnect once it listens again
                    try {
                        await("server listening again").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                                .until(() -> stop.get() || listening(port));
                    } catch (RuntimeException over) {
                        return; // interrupted at the end of the test, or no server came back (the test fails on its own)
                    }
                }
            }
        });
        String before, after;
        try (var first = ServerProcess.launch(data, 1, 3, 6, port)) {
            token[0] = first.api().token();
            client.start();
            before = first.api().submit(Map.of("command", "echo one")).get("id").asText();
            first.api().awaitStatus(before, Duration.ofSeconds(20), "succeeded");
            await().atMost(Duration.ofSeconds(10)).until(() -> !ids.isEmpty());
            first.kill9();
        }
        try (var second = ServerProcess.launch(data, 1, 3, 6, port)) {
            after = second.api().submit(Map.of("command", "echo two")).get("id").asText();
            second.api().awaitStatus(after, Duration.ofSeconds(20), "succeeded");
            var reference = new ArrayList<Long>();
            SseClient.read("http://127.0.0.1:" + port + "/api/v1/stream?since=0", token[0], null, e -> {
                if (e.id() != null) reference.add(Long.parseLong(e.id()));
                return !(e.name().equals("job.finished") && e.data().get("job_id").asText().equals(after));
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> ids.containsAll(reference));
            stop.set(true);
            List<Long> seen = List.copyOf(ids);
            assertThat(seen).doesNotHaveDuplicates().isSorted();
            assertThat(seen.subList(0, reference.size())).isEqualTo(reference);
        } finally {
            stop.set(true);
            client.interrupt();
        }
    }
}
