package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.agent.Directories;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The job page of a 1,000,000-line log in a real (headless) Chromium: from navigation until the log shows its last
 * line, against the page of a job with a few lines in the same run. Chromium is driven over the DevTools protocol
 * ({@code KILN_CHROMIUM}, default {@code /usr/bin/chromium}); without one the scenario says so and is skipped. Was a
 * "< 2 s" assertion in DashboardIT.
 */
final class LogOpenScenario {
    static final int LINES = 1_000_000;
    private final Bench bench;

    LogOpenScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("KILN_CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) {
            Bench.report("log-open", "skipped: no Chromium at " + chromium + " (set KILN_CHROMIUM)");
            return;
        }
        bench.startServer(2);
        String small = bench.submit(Map.of("command", "echo one; echo two", "name", "small")).get("id").asText();
        String million = bench.submit(Map.of("command", "seq 1 " + LINES, "name", "million")).get("id").asText();
        bench.awaitDone(small);
        bench.awaitDone(million);
        Path profile = Files.createTempDirectory("kiln-bench-chromium");
        Process browser = new ProcessBuilder(chromium.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,860", "about:blank")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var page = DevTools.connect(profile)) {
            page.navigate(bench.base() + "/login#token=" + bench.token());
            page.await("signed in", "location.pathname === '/'", 30);
            int runs = bench.quick() ? 3 : 10;
            var smallOpen = new Opener(page, small);
            var millionOpen = new Opener(page, million);
            long firstMillion = millionOpen.open(); // the server's first read of the log's end (its caches cold)
            smallOpen.open(); // and the page's modules in the browser's cache for both
            var smallStats = new Stats();
            var millionStats = new Stats();
            for (int i = 0; i < runs; i++) { // interleaved, so a slow moment of the machine hits both alike
                smallStats.add(smallOpen.open());
                millionStats.add(millionOpen.open());
            }
            long p50 = millionStats.percentile(50), smallP50 = smallStats.percentile(50);
            Bench.report("log-open", String.format("%,d-line log: job page open to its last line in Chromium p50 %s "
                            + "(max %s, n=%d; the first open %s); a 3-line job's page p50 %s; ratio %.2fx%s",
                    LINES, Stats.ms(p50), Stats.ms(millionStats.max()), runs, Stats.ms(firstMillion),
                    Stats.ms(smallP50), (double) p50 / smallP50, Bench.memory()));
        } finally {
            var processes = browser.descendants().toList();
            browser.destroy();
            if (!browser.waitFor(10, TimeUnit.SECONDS)) browser.destroyForcibly().waitFor();
            for (ProcessHandle p : processes) { // renderers and helpers write to the profile until they are gone
                p.destroy();
                p.onExit().get(10, TimeUnit.SECONDS);
            }
            try {
                Directories.deleteRecursively(profile);
            } catch (IOException e) {
                System.err.println("could not delete " + profile + ": " + e);
            }
        }
    }

    /** Opens one job's page (after a blank page), timing from the navigation until its last log line shows. */
    private final class Opener {
        final DevTools page;
        final String id;
        final long total;
        final String lastLineShown;

        Opener(DevTools page, String id) throws Exception {
            this.page = page;
            this.id = id;
            total = bench.get("/api/v1/jobs/" + id + "/logs?limit=1").get("total_lines").asLong();
            lastLineShown = "(() => { const t = document.querySelector(\".logs .row[data-n='" + total + "'] .t\"); "
                    + "return t !== null && t.textContent === '[agent] exit code 0'; })()";
        }

        long open() throws Exception {
            page.navigate("about:blank");
            long start = System.nanoTime();
            page.navigate(bench.base() + "/jobs/" + id);
            page.await("line " + total + " of job " + id + " shown", lastLineShown, 30);
            return System.nanoTime() - start;
        }
    }

    /** The least of the DevTools protocol: commands to one page target, answers matched by id, events ignored. */
    static final class DevTools implements AutoCloseable {
        private final WebSocket socket;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

        private DevTools(WebSocket socket) {
            this.socket = socket;
        }

        /** Chromium writes its DevTools port to {@code DevToolsActivePort} in the profile once it listens. */
        static DevTools connect(Path profile) throws Exception {
            Path portFile = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
                if (System.nanoTime() > deadline) throw new IOException("Chromium did not open its DevTools port within 30 s");
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
            var http = java.net.http.HttpClient.newHttpClient();
            String wsUrl = null;
            while (wsUrl == null) {
                var list = Bench.JSON.readTree(http.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : list) if (t.get("type").asText().equals("page")) wsUrl = t.get("webSocketDebuggerUrl").asText();
                if (wsUrl == null) {
                    if (System.nanoTime() > deadline) throw new IOException("Chromium has no page target");
                    Thread.sleep(50);
                }
            }
            var devTools = new DevTools[1];
            var partial = new StringBuilder();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        try {
                            JsonNode m = Bench.JSON.readTree(partial.toString());
                            if (m.has("id")) {
                                var f = devTools[0].waiting.remove(m.get("id").asInt());
                                if (f != null) f.complete(m);
                            }
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                        partial.setLength(0);
                    }
                    w.request(1);
                    return null;
                }
            }).get(10, TimeUnit.SECONDS);
            devTools[0] = new DevTools(socket);
            return devTools[0];
        }

        JsonNode call(String method, Map<String, Object> params) throws Exception {
            int id = ids.incrementAndGet();
            ObjectNode m = Bench.JSON.createObjectNode().put("id", id).put("method", method);
            m.set("params", Bench.JSON.valueToTree(params));
            var answer = new CompletableFuture<JsonNode>();
            waiting.put(id, answer);
            socket.sendText(Bench.JSON.writeValueAsString(m), true).get(10, TimeUnit.SECONDS);
            JsonNode r = answer.get(30, TimeUnit.SECONDS);
            if (r.has("error")) throw new IOException(method + ": " + r.get("error"));
            return r.get("result");
        }

        /** Returns once the navigation is committed (not when the page has loaded). */
        void navigate(String url) throws Exception {
            JsonNode r = call("Page.navigate", Map.of("url", url));
            if (r.hasNonNull("errorText")) throw new IOException("navigate " + url + ": " + r.get("errorText").asText());
        }

        /** Evaluates {@code expression} in the page every 5 ms until it is true. */
        void await(String what, String expression, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
                if (r.path("result").path("value").asBoolean(false)) return;
                if (System.nanoTime() > deadline) throw new IOException("not within " + seconds + " s: " + what);
                Thread.sleep(5);
            }
        }

        @Override
        public void close() {
            socket.abort();
        }
    }
}
