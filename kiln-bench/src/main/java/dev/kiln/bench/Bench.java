package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.agent.Directories;
import dev.kiln.app.EmbeddedAgentLauncher;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Kiln's load driver. Each scenario starts a real server (fresh data dir, embedded agent, loopback port), drives it
 * through the public HTTP API and streams, and prints one line of figures. The machine's own limit (bare process
 * spawns from Java) is measured in the same run so results read as ratios on a noisy shared machine.
 *
 * <p>Scenarios whose figures tests used to assert (heap, how soon something happens) live in classes of their own:
 * {@link StreamWatchersScenario}, {@link ArtifactUploadScenario}, {@link TimeoutScenario}, {@link AgentLostScenario},
 * {@link LogOpenScenario}. The heavy ones run in full mode, or in quick mode when named with {@code --scenario}.
 *
 * <pre>java -jar kiln-bench/target/kiln-bench.jar [--quick] [--scenario NAME]</pre>
 */
public final class Bench {
    static final ObjectMapper JSON = new ObjectMapper();
    private final boolean quick;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int cores = Runtime.getRuntime().availableProcessors();
    private KilnServer server;
    private Path dataDir;
    private String token;
    private double bareRate;

    private Bench(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        String only = null;
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--scenario")) only = args[i + 1];
        var bench = new Bench(quick);
        System.out.printf("kiln-bench %s mode, %d cores, JDK %s%n", quick ? "quick" : "full", bench.cores, Runtime.version());
        var scenarios = new java.util.LinkedHashMap<String, Bench.Scenario>();
        scenarios.put("dispatch", bench::dispatch);
        scenarios.put("throughput", bench::throughput);
        scenarios.put("log-latency", bench::logLatency);
        scenarios.put("ingest", bench::ingest);
        scenarios.put("api", bench::apiLatency);
        scenarios.put("scale", bench::scale);
        scenarios.put("timeout", new TimeoutScenario(bench)::run);
        scenarios.put("artifact", new ArtifactUploadScenario(bench)::run);
        scenarios.put("watchers", new StreamWatchersScenario(bench)::run);
        scenarios.put("agent-lost", new AgentLostScenario(bench)::run);
        scenarios.put("log-open", new LogOpenScenario(bench)::run);
        // too slow for quick mode's minute unless asked for by name
        var fullOnly = java.util.Set.of("watchers", "agent-lost", "log-open");
        if (only != null && !scenarios.containsKey(only)) {
            System.out.println("no scenario " + only + "; there are " + String.join(", ", scenarios.keySet()));
            System.exit(2);
        }
        for (var e : scenarios.entrySet()) {
            if (only != null && !only.equals(e.getKey())) continue;
            if (only == null && quick && fullOnly.contains(e.getKey())) continue;
            try {
                e.getValue().run();
            } catch (Exception ex) {
                report(e.getKey(), "FAILED: " + ex);
            } finally {
                bench.stopServer();
            }
        }
        System.exit(0);
    }

    @FunctionalInterface
    interface Scenario {
        void run() throws Exception;
    }

    // ------------------------------------------------------------ scenarios

    /** Submit → process started, one job at a time on an idle server. */
    void dispatch() throws Exception {
        startServer(null);
        int n = quick ? 50 : 400;
        int warmUp = quick ? 50 : 200; // the path from submit to spawn compiled before it is timed
        for (int i = 0; i < warmUp; i++) awaitDone(submit(Map.of("command", "true")).get("id").asText());
        var stats = new Stats();
        var toAssigned = new Stats();
        var toSpawned = new Stats();
        var toQueued = new Stats();
        for (int i = 0; i < n; i++) {
            long sent = wallNs();
            String id = submit(Map.of("command", "true")).get("id").asText();
            // The driver shares the server's two cores: its first status poll would land in the middle of the
            // measured dispatch (submit → spawn takes ~10 ms). Wait until that is surely over, then poll.
            Thread.sleep(50);
            awaitDone(id);
            long assigned = 0;
            for (JsonNode e : get("/api/v1/jobs/" + id + "/events").get("events")) {
                if (e.get("kind").asText().equals("job.queued")) toQueued.add(e.get("timestamp_ns").asLong() - sent);
                if (e.get("kind").asText().equals("job.assigned")) assigned = e.get("timestamp_ns").asLong();
                if (e.get("kind").asText().equals("job.started")) {
                    long spawned = e.get("data").get("process_started_ns").asLong();
                    stats.add(spawned - sent);
                    toAssigned.add(assigned - sent);
                    toSpawned.add(spawned - assigned);
                }
            }
        }
        report("dispatch", stats.summary() + memory());
        var bare = new Stats();
        for (int i = 0; i < 50; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("setsid", "bash", "-c", "true").start();
            bare.add(System.nanoTime() - t);
            p.waitFor();
        }
        report("", "  baseline: bare ProcessBuilder.start() of the same command p50=" + Stats.ms(bare.percentile(50))
                + " p99=" + Stats.ms(bare.percentile(99)));
        report("", "  of which request→job.queued (HTTP in, parse, validate) p50=" + Stats.ms(toQueued.percentile(50)));
        report("", "  of which submit→assigned p50=" + Stats.ms(toAssigned.percentile(50)) + " p99=" + Stats.ms(toAssigned.percentile(99))
                + ", assigned→process spawned p50=" + Stats.ms(toSpawned.percentile(50)) + " p99=" + Stats.ms(toSpawned.percentile(99)));
    }

    /** Trivial jobs submitted by several clients, all persisted with logs; and the bare spawn rate beside them. */
    void throughput() throws Exception {
        int n = quick ? 300 : 5000;
        bareRate = bareSpawnRate(Math.max(n, 500), cores);
        // "Sustained" means after warm-up: until the JIT has compiled the job path (a JFR recording shows C2 busy for
        // the first ~40 s of a fresh JVM), a rate measures the compiler as much as Kiln.
        int warmUp = quick ? 200 : 2000;
        for (String command : List.of("true", "echo one line")) {
            startServer(null);
            runJobs(command, warmUp, warmUp);
            double secs = runJobs(command, n, warmUp + n);
            double rate = n / secs;
            report("throughput", String.format("'%s' %.0f jobs/s (n=%d after %d warm-up, 8 clients, capacity %d); bare spawn %.0f/s; ratio %.0f%%%s",
                    command, rate, n, warmUp, cores, bareRate, 100 * rate / bareRate, memory()));
            stopServer();
        }
    }

    /** Submits {@code n} jobs from 8 clients; returns the seconds until {@code succeededTotal} jobs have succeeded. */
    private double runJobs(String command, int n, int succeededTotal) throws Exception {
        var pool = Executors.newFixedThreadPool(8);
        var submitted = new AtomicInteger();
        long start = System.nanoTime();
        for (int c = 0; c < 8; c++) {
            pool.submit(() -> {
                while (submitted.getAndIncrement() < n) submit(Map.of("command", command, "type", "tp"));
                return null;
            });
        }
        while (server.store().countByStatus().getOrDefault(JobStatus.SUCCEEDED, 0L) < succeededTotal) Thread.sleep(50);
        double secs = (System.nanoTime() - start) / 1e9;
        pool.shutdownNow();
        return secs;
    }

    /** The machine's limit: spawning the same process from Java with the same concurrency, no Kiln in between. */
    static double bareSpawnRate(int n, int concurrency) throws Exception {
        var pool = Executors.newFixedThreadPool(concurrency);
        var left = new AtomicInteger(n);
        long start = System.nanoTime();
        var futures = new ArrayList<java.util.concurrent.Future<?>>();
        for (int c = 0; c < concurrency; c++) {
            futures.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    Process p = new ProcessBuilder("setsid", "bash", "-c", "true").start();
                    p.getInputStream().readAllBytes();
                    p.waitFor();
                }
                return null;
            }));
        }
        for (var f : futures) f.get();
        pool.shutdown();
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** A line printed by a job → received by an SSE client and a WebSocket client. */
    void logLatency() throws Exception {
        startServer(null);
        int lines = quick ? 100 : 1000;
        String id = submit(Map.of("command", "sleep 1; for i in $(seq 1 " + lines + "); do date +%s%N; sleep 0.005; done")).get("id").asText();
        var sse = new Stats();
        var ws = new Stats();
        var sseDone = CompletableFuture.runAsync(() -> sse(base() + "/api/v1/jobs/" + id + "/logs/stream?attempt=1", line -> {
            long now = wallNs();
            if (line.get("stream").asText().equals("STDOUT")) sse.add(now - Long.parseLong(line.get("text").asText()));
        }));
        var wsDone = new CountDownLatch(1);
        var partial = new StringBuilder();
        http.newWebSocketBuilder().buildAsync(URI.create(base().replace("http", "ws") + "/api/v1/jobs/" + id + "/events/ws?token=" + token),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        long now = wallNs();
                        partial.append(data);
                        if (last) {
                            try {
                                JsonNode m = JSON.readTree(partial.toString());
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
        report("log-latency", "SSE " + sse.summary() + "; WS " + ws.summary() + memory());
    }

    /** Lines per second stored, from one job printing as fast as it can, and from 8 at once. */
    void ingest() throws Exception {
        int lines = quick ? 200_000 : 2_000_000;
        for (int jobs : List.of(1, 8)) {
            startServer(8);
            var ids = new ArrayList<String>();
            for (int j = 0; j < jobs; j++) ids.add(submit(Map.of("command", "seq 1 " + lines / jobs)).get("id").asText());
            Instant first = null, last = null;
            long total = 0;
            for (String id : ids) {
                JsonNode job = awaitDone(id);
                Instant s = Instant.parse(job.get("started_at").asText());
                Instant f = Instant.parse(job.get("completed_at").asText());
                first = first == null || s.isBefore(first) ? s : first;
                last = last == null || f.isAfter(last) ? f : last;
                total += job.get("attempts").get(0).get("log_lines").asLong();
            }
            double secs = Duration.between(first, last).toNanos() / 1e9;
            report("ingest", String.format("%d job(s): %,d lines in %.2f s = %,.0f lines/s%s", jobs, total, secs, total / secs, memory()));
            stopServer();
        }
    }

    /** GET a job and its status at a fixed rate; latency counted from each request's scheduled time. */
    void apiLatency() throws Exception {
        startServer(null);
        String id = submit(Map.of("command", "seq 1 100")).get("id").asText();
        awaitDone(id);
        int rate = 1000;
        int seconds = quick ? 2 : 10;
        // baseline: the cheapest endpoint there is, at the same rate, tells this machine's HTTP floor in this run
        for (String path : List.of("/health/live", "/api/v1/jobs/" + id, "/api/v1/jobs/" + id + "/status")) {
            openLoop(path, rate, 2); // warm up at the measured rate: the JIT and the connection pool settle first
            var stats = openLoop(path, rate, seconds);
            report("api", String.format("GET %s at %d req/s: %s%s", path.replace(id, "{id}"), rate, stats.summary(), memory()));
        }
    }

    private Stats openLoop(String path, int rate, int seconds) throws Exception {
        var stats = new Stats();
        long interval = 1_000_000_000L / rate;
        int total = rate * seconds;
        var done = new CountDownLatch(total);
        long start = System.nanoTime();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                pool.submit(() -> {
                    try {
                        var r = http.send(request(path).build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) stats.add(System.nanoTime() - due);
                    } catch (Exception e) {
                        // counted as missing
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await(60, TimeUnit.SECONDS);
        }
        return stats;
    }

    /** With many queued and finished jobs in the store: the pages and endpoints people use, each p99. */
    void scale() throws Exception {
        int queued = quick ? 5_000 : 100_000;
        int finished = quick ? 50_000 : 1_000_000;
        Path dir = Files.createTempDirectory("kiln-bench-scale");
        long t0 = System.nanoTime();
        try (var store = new SqliteStore(dir, new EventBus())) {
            var spec = new JobSpec("seed", "build", "true", null, null, null, null, null, Map.of("pool", "nobody"), Map.of(),
                    Map.of(), 0, 60, 10, RetryPolicy.NONE, List.of(), false);
            var doneSpec = new JobSpec("done", "build", "true", null, null, null, null, null, Map.of(), Map.of(), Map.of(),
                    0, 60, 10, RetryPolicy.NONE, List.of(), false);
            insert(store, finished, doneSpec, true);
            insert(store, queued, spec, false);
        }
        double seedSecs = (System.nanoTime() - t0) / 1e9;
        startServerOn(dir, null);
        String someJob = get("/api/v1/jobs?status=queued&limit=1").get("jobs").get(0).get("id").asText();
        String logged = submit(Map.of("command", "seq 1 5000")).get("id").asText();
        awaitDone(logged);
        var results = new StringBuilder(String.format("%,d queued + %,d finished (seeded in %.0f s):", queued, finished, seedSecs));
        results.append(" submit ").append(Stats.ms(p99(() -> submit(Map.of("command", "true", "labels", Map.of("pool", "nobody"))))));
        results.append(" list ").append(Stats.ms(p99(() -> get("/api/v1/jobs?limit=50"))));
        // by a label the queued jobs have, and by one no job has (the worst case for a filter that scans)
        results.append(" list-label ").append(Stats.ms(p99(() -> get("/api/v1/jobs?label=pool=nobody&limit=50"))));
        results.append(" list-label-none ").append(Stats.ms(p99(() -> get("/api/v1/jobs?label=arch=arm64&limit=50"))));
        results.append(" queue ").append(Stats.ms(p99(() -> get("/api/v1/queue"))));
        results.append(" status ").append(Stats.ms(p99(() -> get("/api/v1/jobs/" + someJob + "/status"))));
        results.append(" logs ").append(Stats.ms(p99(() -> get("/api/v1/jobs/" + logged + "/logs?after=2500&limit=1000"))));
        results.append(" (p99 of 200 each)");
        report("scale", results + memory());
    }

    private static void insert(SqliteStore store, int n, JobSpec spec, boolean finished) {
        int batch = 10_000;
        var futures = new ArrayList<CompletableFuture<Object>>();
        for (int done = 0; done < n; done += batch) {
            int size = Math.min(batch, n - done);
            futures.add(store.write(tx -> {
                Instant now = Instant.now();
                for (int i = 0; i < size; i++) {
                    Job job = Job.newlySubmitted(JobIds.next(), spec, null, now);
                    tx.insertJob(finished ? job.assigned("bench", now).started(now).finished(JobStatus.SUCCEEDED, 0, null, now) : job);
                }
                return null;
            }));
            if (futures.size() > 4) futures.remove(0).join();
        }
        futures.forEach(CompletableFuture::join);
    }

    @FunctionalInterface
    interface Call {
        Object call() throws Exception;
    }

    private static long p99(Call call) throws Exception {
        for (int i = 0; i < 20; i++) call.call();
        var stats = new Stats();
        for (int i = 0; i < 200; i++) {
            long t = System.nanoTime();
            call.call();
            stats.add(System.nanoTime() - t);
        }
        return stats.percentile(99);
    }

    // ------------------------------------------------------------ plumbing

    boolean quick() {
        return quick;
    }

    HttpClient http() {
        return http;
    }

    KilnServer server() {
        return server;
    }

    String token() {
        return token;
    }

    /** A server with its embedded agent ({@code capacity} slots, null = one per core), waiting until it is online. */
    void startServer(Integer capacity) throws IOException {
        startServerOn(Files.createTempDirectory("kiln-bench"), capacity);
    }

    private void startServerOn(Path dir, Integer capacity) {
        startServerWith(ServerConfig.defaults(dir).withPort(0).withAgentCapacity(capacity == null ? 0 : capacity));
    }

    /** A server as configured; with an embedded agent, waits (up to 10 s) until it is online. */
    void startServerWith(ServerConfig config) {
        dataDir = config.dataDir();
        server = KilnServer.start(config, config.embeddedAgent() ? new EmbeddedAgentLauncher() : null);
        token = server.adminToken();
        if (!config.embeddedAgent()) return;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                if (get("/api/v1/workers").get("workers").findValuesAsText("state").contains("online")) return;
                Thread.sleep(20);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Stops the server and deletes its data dir: a full run writes gigabytes that nobody reads afterwards. */
    void stopServer() {
        if (server != null) server.close();
        server = null;
        if (dataDir != null) {
            try {
                Directories.deleteRecursively(dataDir);
            } catch (IOException e) {
                System.err.println("could not delete " + dataDir + ": " + e.getMessage());
            }
        }
        dataDir = null;
    }

    String base() {
        return server.baseUrl();
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30));
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        var r = http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    JsonNode submit(Map<String, Object> spec) throws IOException, InterruptedException {
        var r = http.send(request("/api/v1/jobs").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(spec))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IOException("submit: " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    JsonNode awaitDone(String id) throws IOException, InterruptedException {
        while (true) {
            JsonNode s = get("/api/v1/jobs/" + id + "/status");
            String status = s.get("status").asText();
            if (!List.of("queued", "assigned", "running", "cancelling").contains(status)) return get("/api/v1/jobs/" + id);
            Thread.sleep(25); // gently: the server under test shares these two cores
        }
    }

    private void sse(String url, Consumer<JsonNode> onLine) {
        try {
            var r = http.send(request(url.substring(base().length())).header("Accept", "text/event-stream").timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (var in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line, event = null;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("event: ")) event = line.substring(7);
                    else if (line.startsWith("data: ")) {
                        if ("end".equals(event)) return;
                        if ("lines".equals(event)) for (JsonNode l : JSON.readTree(line.substring(6)).get("lines")) onLine.accept(l);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long wallNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static String memory() {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) rss = Long.parseLong(l.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException e) {
            // not Linux
        }
        return String.format("  [rss %d MiB, heap %d MiB]", rss >> 20, heap >> 20);
    }

    static void report(String scenario, String figures) {
        System.out.printf("%-12s %s%n", scenario, figures);
    }
}
