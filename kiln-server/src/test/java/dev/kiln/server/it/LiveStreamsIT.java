package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SSE and WebSocket streams: everything, in order, exactly once, across disconnects. */
class LiveStreamsIT extends OneServerPerClass {
    String url(String path) {
        return kiln.server.baseUrl() + path;
    }

    /** A WebSocket client collecting every message until job.closed (or a close code). */
    static final class WsCollector implements WebSocket.Listener {
        final List<JsonNode> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(Api.JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    closed.completeExceptionally(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed.complete(code);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        List<JsonNode> lines() {
            var out = new ArrayList<JsonNode>();
            for (var m : messages) if (m.get("type").asText().equals("lines")) m.get("lines").forEach(out::add);
            return out;
        }
    }

    WsCollector ws(String jobId, String query) throws Exception {
        var c = new WsCollector();
        HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(url("/api/v1/jobs/" + jobId + "/events/ws").replace("http", "ws") + query), c)
                .get(10, TimeUnit.SECONDS);
        return c;
    }

    static void assertNumbered(List<JsonNode> lines, int expectedStdout) {
        long expectNumber = lines.isEmpty() ? 0 : lines.get(0).get("number").asLong();
        int stdout = 0;
        for (JsonNode l : lines) {
            assertThat(l.get("number").asLong()).isEqualTo(expectNumber++);
            if (l.get("stream").asText().equals("STDOUT")) {
                stdout++;
                assertThat(l.get("text").asText()).isEqualTo(Integer.toString(stdout));
            }
        }
        assertThat(stdout).isEqualTo(expectedStdout);
    }

    @Test
    void aHundredThousandLinesReachAnSseAndAWebSocketClientInOrderAndAResumedClientMissesNothing() throws Exception {
        String id = api.submit(Map.of("command", "sleep 1.5; seq 1 100000", "name", "printer")).get("id").asText();
        var wsClient = ws(id, "?token=" + api.token());
        var sseLines = new CopyOnWriteArrayList<JsonNode>();
        var sseEnd = new CompletableFuture<JsonNode>();
        var sse = CompletableFuture.runAsync(() -> {
            try {
                SseClient.read(url("/api/v1/jobs/" + id + "/logs/stream?attempt=1"), api.token(), null, e -> {
                    if (e.name().equals("lines")) e.data().get("lines").forEach(sseLines::add);
                    if (e.name().equals("end")) sseEnd.complete(e.data());
                    return !e.name().equals("end");
                });
            } catch (Exception e) {
                sseEnd.completeExceptionally(e);
            }
        });
        // a third client leaves at ~50,000 and comes back with its cursor
        var first = new ArrayList<JsonNode>();
        String cursor = SseClient.read(url("/api/v1/jobs/" + id + "/logs/stream?attempt=1"), api.token(), null, e -> {
            if (e.name().equals("lines")) e.data().get("lines").forEach(first::add);
            return first.size() < 50_000;
        });
        var rest = new ArrayList<JsonNode>();
        SseClient.read(url("/api/v1/jobs/" + id + "/logs/stream?attempt=1"), api.token(), cursor, e -> {
            if (e.name().equals("lines")) e.data().get("lines").forEach(rest::add);
            return !e.name().equals("end");
        });
        JsonNode end = sseEnd.get(60, TimeUnit.SECONDS);
        sse.get(10, TimeUnit.SECONDS);
        assertThat(end.get("status").asText()).isEqualTo("succeeded");
        assertNumbered(sseLines, 100_000);
        assertThat(end.get("total_lines").asLong()).isEqualTo(sseLines.size());

        var resumed = new ArrayList<JsonNode>(first);
        resumed.addAll(rest);
        assertNumbered(resumed, 100_000);
        assertThat(resumed.get(0).get("number").asLong()).isEqualTo(1);

        assertThat(wsClient.closed.get(60, TimeUnit.SECONDS)).isEqualTo(1000);
        assertNumbered(wsClient.lines(), 100_000);
        var last = wsClient.messages.get(wsClient.messages.size() - 1);
        assertThat(last.get("type").asText()).isEqualTo("job.closed");
        assertThat(last.get("status").asText()).isEqualTo("succeeded");
        var kinds = wsClient.messages.stream().filter(m -> m.get("type").asText().equals("event"))
                .map(m -> m.get("event").get("kind").asText()).toList();
        assertThat(kinds).containsSubsequence("job.queued", "job.assigned", "job.started", "job.finished");
    }

    @Test
    void theJobsOwnEventsAndOutputsArriveLiveOnBothStreams() throws Exception {
        String id = api.submit(Map.of("command", "sleep 1; echo '{\"kind\":\"model.fitted\",\"duration_ms\":850}' >> $KILN_EVENTS; "
                + "echo 'junk' >> $KILN_EVENTS; echo accuracy=0.97 >> $KILN_OUTPUT; "
                + "echo '{\"kind\":\"table\",\"name\":\"leaderboard\",\"rows\":[{\"model\":\"a\",\"auc\":0.91}]}' >> $KILN_EVENTS; sleep 0.5"))
                .get("id").asText();
        var global = new CopyOnWriteArrayList<String>();
        var globalDone = CompletableFuture.runAsync(() -> {
            try {
                SseClient.read(url("/api/v1/stream?since=0&job=" + id), api.token(), null, e -> {
                    global.add(e.name());
                    return !e.name().equals("job.finished");
                });
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        var c = ws(id, "?token=" + api.token());
        assertThat(c.closed.get(30, TimeUnit.SECONDS)).isEqualTo(1000);
        globalDone.get(30, TimeUnit.SECONDS);
        var events = c.messages.stream().filter(m -> m.get("type").asText().equals("event")).map(m -> m.get("event")).toList();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("kind").asText()).isEqualTo("model.fitted");
            assertThat(e.get("data").get("duration_ms").asInt()).isEqualTo(850);
        });
        assertThat(events).anySatisfy(e -> assertThat(e.get("kind").asText()).isEqualTo("table"));
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("kind").asText()).isEqualTo("job.output");
            assertThat(e.get("data").get("value").asText()).isEqualTo("0.97");
        });
        assertThat(c.lines()).anySatisfy(l -> assertThat(l.get("text").asText()).contains("malformed line in KILN_EVENTS"));
        assertThat(global).contains("model.fitted", "table", "job.output", "job.finished");
        assertThat(api.job(id).get("outputs").get("accuracy").asText()).isEqualTo("0.97");
    }

    @Test
    void theGlobalStreamResumesWithoutGapOrRepeat() throws Exception {
        var firstIds = new ArrayList<Long>();
        String id1 = api.submit(Map.of("command", "true", "type", "resume")).get("id").asText();
        api.awaitStatus(id1, Duration.ofSeconds(20), "succeeded");
        String cursor = SseClient.read(url("/api/v1/stream?kinds=job.&since=0"), api.token(), null, e -> {
            if (e.name().startsWith("job.")) firstIds.add(Long.parseLong(e.id()));
            return !(e.name().equals("job.finished") && e.data().get("job_id").asText().equals(id1));
        });
        // while disconnected
        String id2 = api.submit(Map.of("command", "true", "type", "resume")).get("id").asText();
        api.awaitStatus(id2, Duration.ofSeconds(20), "succeeded");
        var secondIds = new ArrayList<Long>();
        SseClient.read(url("/api/v1/stream?kinds=job."), api.token(), cursor, e -> {
            if (e.name().startsWith("job.")) secondIds.add(Long.parseLong(e.id()));
            return !(e.name().equals("job.finished") && e.data().get("job_id").asText().equals(id2));
        });
        var all = new ArrayList<>(firstIds);
        all.addAll(secondIds);
        assertThat(all).doesNotHaveDuplicates().isSorted();
        var stored = kiln.server.store().events(0, 100_000).stream().filter(e -> e.kind().startsWith("job."))
                .map(e -> e.id()).filter(i -> i <= all.get(all.size() - 1)).toList();
        assertThat(all).isEqualTo(stored);
    }

    @Test
    void webSocketCloseCodes() throws Exception {
        String id = api.submit(Map.of("command", "true")).get("id").asText();
        assertThat(ws(id, "").closed.get(10, TimeUnit.SECONDS)).isEqualTo(4401);
        assertThat(ws(id, "?token=kiln_wrong").closed.get(10, TimeUnit.SECONDS)).isEqualTo(4401);
        String agentToken = api.createToken("ws-agent", "agent");
        assertThat(ws(id, "?token=" + agentToken).closed.get(10, TimeUnit.SECONDS)).isEqualTo(4403);
        assertThat(ws("0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d", "?token=" + api.token()).closed.get(10, TimeUnit.SECONDS)).isEqualTo(4404);
        assertThat(ws("not-a-job", "?token=" + api.token()).closed.get(10, TimeUnit.SECONDS)).isEqualTo(4404);
        String viewer = api.createToken("ws-viewer", "viewer");
        var ok = ws(id, "?token=" + viewer);
        assertThat(ok.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(api.get("/api/v1/stream?after=abc").status()).isEqualTo(400);
        assertThat(api.get("/api/v1/jobs/" + id + "/logs/stream?attempt=7").status()).isEqualTo(404);
        assertThat(api.withToken(null).get("/api/v1/stream").status()).isEqualTo(401);
    }

    @Test
    void activityShowsWhatIsBusy() {
        String id = api.submit(Map.of("command", "sleep 2", "name", "nightly", "type", "build")).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(10), "running");
        JsonNode a = api.get("/api/v1/activity").json();
        assertThat(a.get("busy").asBoolean()).isTrue();
        assertThat(a.get("items").findValuesAsText("job_id")).contains(id);
        assertThat(a.get("primary").get("label").asText()).isEqualTo("Building (nightly)");
        api.awaitStatus(id, Duration.ofSeconds(10), "succeeded");
        await().atMost(Duration.ofSeconds(5)).until(() -> !api.get("/api/v1/activity").json().get("items")
                .findValuesAsText("job_id").contains(id));
    }
}
