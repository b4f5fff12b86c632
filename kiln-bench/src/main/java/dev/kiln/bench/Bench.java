package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.agent.Directories;
import dev.kiln.app.EmbeddedAgentLauncher;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kiln's load driver. Each scenario starts a real server (fresh data dir, embedded agent, loopback port), drives it
 * through the public HTTP API and streams, and prints one line of figures. The machine's own limit (bare process
 * spawns from Java) is measured in the same run so results read as ratios on a noisy shared machine.
 *
 * <p>This class runs the scenarios and is their driver (server start and stop, HTTP calls, reporting); each scenario
 * is a class of its own ({@code *Scenario}). The heavy ones run in full mode, or in quick mode when named with
 * {@code --scenario}.
 *
 * <pre>java -jar kiln-bench/target/kiln-bench.jar [--quick] [--scenario NAME]</pre>
 */
public final class Bench {
    static final ObjectMapper JSON = new ObjectMapper();
    private final boolean quick;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int cores = Runtime.getRuntime().availableProcessors();
    private KilnServer server;
    private ServerChild child;
    private Path dataDir;
    private String token;
    private String serverJvmOpts = ServerChild.LAUNCHER_JVM_OPTS;

    private Bench(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        String only = null;
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--scenario")) only = args[i + 1];
        var bench = new Bench(quick);
        for (int i = 0; i < args.length - 1; i++) if (args[i].equals("--server-jvm")) bench.serverJvmOpts = args[i + 1];
        System.out.printf("kiln-bench %s mode, %d cores, JDK %s%n", quick ? "quick" : "full", bench.cores, Runtime.version());
        var scenarios = new java.util.LinkedHashMap<String, Bench.Scenario>();
        scenarios.put("dispatch", new DispatchScenario(bench)::run);
        scenarios.put("throughput", new ThroughputScenario(bench)::run);
        scenarios.put("log-latency", new LogLatencyScenario(bench)::run);
        scenarios.put("ingest", new IngestScenario(bench)::run);
        scenarios.put("api", new ApiLatencyScenario(bench)::run);
        scenarios.put("scale", new ScaleScenario(bench)::run);
        scenarios.put("timeout", new TimeoutScenario(bench)::run);
        scenarios.put("artifact", new ArtifactUploadScenario(bench)::run);
        scenarios.put("watchers", new StreamWatchersScenario(bench)::run);
        scenarios.put("agent-lost", new AgentLostScenario(bench)::run);
        scenarios.put("log-open", new LogOpenScenario(bench)::run);
        scenarios.put("eta", new EtaScenario(bench)::run);
        scenarios.put("graph-plan", new GraphPlanScenario(bench)::run);
        scenarios.put("stream-open", new StreamOpenScenario(bench)::run);
        scenarios.put("retention", new RetentionScenario(bench)::run);
        scenarios.put("soak", new SoakScenario(bench)::run);
        scenarios.put("build-plan-queue", new BuildPlanQueueScenario(bench)::run);
        scenarios.put("overlapping-builds", new OverlappingBuildsScenario(bench)::run);
        scenarios.put("partitions-scale", new PartitionsScaleScenario(bench)::run);
        scenarios.put("scale-out", new ScaleOutScenario(bench)::run);
        // too slow for quick mode's minute unless asked for by name
        var fullOnly = java.util.Set.of("watchers", "agent-lost", "log-open", "eta", "stream-open", "retention", "soak",
                "build-plan-queue", "overlapping-builds", "partitions-scale", "scale-out");
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


    // ------------------------------------------------------------ plumbing

    boolean quick() {
        return quick;
    }

    int cores() {
        return cores;
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

    void startServerOn(Path dir, Integer capacity) {
        startServerWith(ServerConfig.defaults(dir).withPort(0).withAgentCapacity(capacity == null ? 0 : capacity));
    }

    /** A server as configured; with an embedded agent, waits (up to 10 s) until it is online. */
    void startServerWith(ServerConfig config) {
        dataDir = config.dataDir();
        server = KilnServer.start(config, config.embeddedAgent() ? new EmbeddedAgentLauncher() : null);
        token = server.adminToken();
        if (config.embeddedAgent()) awaitAgentOnline();
    }

    private void awaitAgentOnline() {
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

    /**
     * {@code kiln server} in a process of its own ({@link ServerChild}, the JVM options of {@code ./kiln} unless
     * {@code --server-jvm} says otherwise) with an embedded agent of {@code capacity} slots, waiting until it is online.
     * The other calls of this class then go to it; {@link #child()} reads its threads and memory.
     */
    ServerChild startChild(int capacity) throws IOException, InterruptedException {
        child = ServerChild.start(serverJvmOpts, capacity);
        token = child.token();
        awaitAgentOnline();
        return child;
    }

    ServerChild child() {
        return child;
    }

    /** Succeeded jobs so far, from the server's /metrics (works for a server in another process). */
    long succeeded() throws IOException, InterruptedException {
        var r = http.send(request("/metrics").build(), HttpResponse.BodyHandlers.ofLines());
        return r.body().filter(l -> l.startsWith("kiln_jobs_finished_total{") && l.contains("status=\"succeeded\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Jobs queued, assigned or running, from {@code GET /api/v1/queue}. */
    long jobsInQueueAndRunning() throws IOException, InterruptedException {
        JsonNode q = get("/api/v1/queue?limit=1");
        return q.get("total_queued").asLong() + q.get("total_building").asLong();
    }

    /** The child server's RSS, and its heap after a full GC (from its own /metrics). */
    String childMemory() throws IOException, InterruptedException {
        child.gc();
        var r = http.send(request("/metrics").build(), HttpResponse.BodyHandlers.ofLines());
        long heap = r.body().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        return String.format("  [server rss %d MiB, heap after GC %d MiB]", child.rss() >> 20, heap >> 20);
    }

    /** Stops the server and deletes its data dir: a full run writes gigabytes that nobody reads afterwards. */
    void stopServer() {
        if (server != null) server.close();
        server = null;
        if (child != null) {
            try {
                child.close();
            } catch (IOException | InterruptedException e) {
                System.err.println("could not stop the server process: " + e);
            }
        }
        child = null;
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
        return child != null ? child.baseUrl() : server.baseUrl();
    }

    HttpRequest.Builder request(String path) {
        return request(base(), token, path);
    }

    /** A request to the server at {@code base} with {@code token}. */
    static HttpRequest.Builder request(String base, String token, String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(30));
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        var r = http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    JsonNode submit(Map<String, Object> spec) throws IOException, InterruptedException {
        return post("/api/v1/jobs", spec, 201);
    }

    /** Submits {@code n} jobs running {@code command} from 8 clients; returns the seconds until all have run. */
    double runJobs(String command, int n) throws Exception {
        var pool = Executors.newFixedThreadPool(8);
        var submitted = new AtomicInteger();
        long start = System.nanoTime();
        for (int c = 0; c < 8; c++) {
            pool.submit(() -> {
                while (submitted.getAndIncrement() < n) submit(Map.of("command", command, "type", "tp"));
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
        // the light /api/v1/queue (a /metrics scrape costs the server far more), rarely while many jobs are left and
        // often near the end
        for (long left; (left = jobsInQueueAndRunning()) > 0; ) {
            double rate = Math.max(1, (n - left) / Math.max(1e-3, (System.nanoTime() - start) / 1e9));
            Thread.sleep((long) Math.clamp(left / rate * 1000 / 3, 5, 1000));
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** POSTs {@code body} as JSON; an answer other than {@code expect} is an error. */
    JsonNode post(String path, Object body, int expect) throws IOException, InterruptedException {
        return post(request(path), body, expect);
    }

    /** POSTs {@code body} as JSON with {@code request} (any server's); an answer other than {@code expect} is an error. */
    JsonNode post(HttpRequest.Builder request, Object body, int expect) throws IOException, InterruptedException {
        var r = http.send(request.header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expect) throw new IOException("POST " + r.uri() + ": " + r.statusCode() + " " + r.body());
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

    /** Wall-clock nanoseconds, comparable with the server's event timestamps. */
    static long wallNs() {
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
