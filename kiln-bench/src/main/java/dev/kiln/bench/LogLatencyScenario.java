package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A line printed by a job → received by an SSE client and a WebSocket client. */
final class LogLatencyScenario {
    private final Bench bench;

    LogLatencyScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        bench.startChild(bench.cores());
        int lines = bench.quick() ? 100 : 1000;
        String id = bench.submit(Map.of("command", "sleep 1; for i in $(seq 1 " + lines + "); do date +%s%N; sleep 0.005; done")).get("id").asText();
        var sse = new Stats();
        var ws = new Stats();
        var sseDone = CompletableFuture.runAsync(() -> sse(bench.base() + "/api/v1/jobs/" + id + "/logs/stream?attempt=1", line -> {
            long now = Bench.wallNs();
            if (line.get("stream").asText().equals("STDOUT")) sse.add(now - Long.parseLong(line.get("text").asText()));
        }));
        var wsDone = new CountDownLatch(1);
        var partial = new StringBuilder();
        bench.http().newWebSocketBuilder().buildAsync(URI.create(bench.base().replace("http", "ws") + "/api/v1/jobs/" + id + "/events/ws?token=" + bench.token()),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        long now = Bench.wallNs();
                        partial.append(data);
                        if (last) {
                            try {
                                JsonNode m = Bench.JSON.readTree(partial.toString());
                                if (m.get("type").asText().equals("lines")) {
                                    for (JsonNode l : m.get("lines")) {
                                        if (l.get("stream").asText().equals("STDOUT")) ws.add(now - Long.parseLong(l.get("text").asText()));
                                    }
                                }
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                            partial.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        wsDone.countDown();
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        sseDone.get(120, TimeUnit.SECONDS);
        wsDone.await(60, TimeUnit.SECONDS);
        Bench.report("log-latency", "SSE " + sse.summary() + "; WS " + ws.summary() + bench.childMemory());
    }

    private void sse(String url, Consumer<JsonNode> onLine) {
        try {
            var r = bench.http().send(bench.request(url.substring(bench.base().length())).header("Accept", "text/event-stream").timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line, event = null;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event: ")) event = line.substring(7);
                    else if (line.startsWith("data: ")) {
                        if ("end".equals(event)) return;
                        if ("lines".equals(event)) for (JsonNode l : Bench.JSON.readTree(line.substring(6)).get("lines")) onLine.accept(l);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
