package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;
import org.hawkular.agent.prometheus.types.Summary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped from a real server that ran real jobs, parsed by a Prometheus text-format parser (Hawkular's
 * {@code TextPrometheusMetricDataParser}, a library; no regex), and checked family by family.
 */
class MetricsIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    @Test
    void countsJobsLogsStoreQueueAgentsStreamsAndRequests() throws Exception {
        var ok = kiln.api.submit(Map.of("type", "test", "command", "for i in 1 2 3 4 5; do echo line $i; done; echo é"));
        var bad = kiln.api.submit(Map.of("type", "deploy", "command", "exit 3"));
        kiln.api.awaitStatus(ok.get("id").asText(), Duration.ofSeconds(30), "succeeded");
        kiln.api.awaitStatus(bad.get("id").asText(), Duration.ofSeconds(30), "failed");
        // no agent has arm64: it waits, and the queue gauges show it by architecture and by label
        kiln.api.submit(Map.of("command", "true", "target_architecture", "arm64"));
        assertThat(kiln.api.get("/api/v1/jobs/" + ok.get("id").asText()).status()).isEqualTo(200);

        assertThat(value(parse(scrape(kiln.api.base(), kiln.api.token())), "kiln_live_clients", Map.of())).isEqualTo(0);
        try (InputStream stream = openStream("/api/v1/stream")) {
            Map<String, MetricFamily> m = parse(scrape(kiln.api.base(), kiln.api.token()));

            assertThat(value(m, "kiln_jobs_submitted_total", Map.of("type", "test"))).isEqualTo(1);
            assertThat(value(m, "kiln_jobs_submitted_total", Map.of("type", "build"))).isEqualTo(1);
            assertThat(value(m, "kiln_jobs_finished_total", Map.of("type", "test", "status", "succeeded"))).isEqualTo(1);
            assertThat(value(m, "kiln_jobs_finished_total", Map.of("type", "deploy", "status", "failed"))).isEqualTo(1);
            assertThat(histogram(m, "kiln_jobs_duration_seconds", Map.of("type", "test", "status", "succeeded")).getSampleCount()).isEqualTo(1);
            assertThat(histogram(m, "kiln_jobs_dispatch_latency_seconds", Map.of()).getSampleCount()).isEqualTo(2);

            // 6 lines of the job's own output, "é" being 2 bytes in UTF-8 (SYSTEM lines come through the ledger)
            assertThat(value(m, "kiln_log_lines_ingested_total", Map.of())).isGreaterThanOrEqualTo(6);
            assertThat(value(m, "kiln_log_ingested_bytes_total", Map.of())).isGreaterThanOrEqualTo(5 * 6 + 2);

            Histogram batches = histogram(m, "kiln_store_writer_batch_size", Map.of());
            assertThat(batches.getSampleCount()).isPositive();
            assertThat(batches.getSampleSum()).isGreaterThanOrEqualTo(batches.getSampleCount());
            assertThat(histogram(m, "kiln_store_writer_commit_seconds", Map.of()).getSampleCount()).isEqualTo(batches.getSampleCount());

            assertThat(value(m, "kiln_queue_jobs", Map.of())).isEqualTo(1);
            assertThat(value(m, "kiln_queue_depth", Map.of("architecture", "arm64"))).isEqualTo(1);
            assertThat(value(m, "kiln_queue_oldest_wait_seconds", Map.of("architecture", "arm64"))).isGreaterThanOrEqualTo(0);
            assertThat(value(m, "kiln_queue_label_depth", Map.of("label", "arch=arm64"))).isEqualTo(1);

            assertThat(value(m, "kiln_agents", Map.of("state", "online"))).isEqualTo(1);
            assertThat(value(m, "kiln_agents", Map.of("state", "offline"))).isEqualTo(0);
            assertThat(value(m, "kiln_agent_slots", Map.of("agent", "embedded"))).isEqualTo(2);
            assertThat(value(m, "kiln_agent_slots_used", Map.of("agent", "embedded"))).isEqualTo(0);
            assertThat(value(m, "kiln_live_clients", Map.of())).isEqualTo(1);

            // by route template, never by the job's id (a request is counted once its response is written)
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                var now = parse(scrape(kiln.api.base(), kiln.api.token()));
                assertThat(summary(now, "http_server_requests_seconds",
                        Map.of("method", "GET", "route", "/api/v1/jobs/{id}", "status", "200")).getSampleCount()).isPositive();
                assertThat(summary(now, "http_server_requests_seconds",
                        Map.of("method", "POST", "route", "/api/v1/jobs", "status", "201")).getSampleCount()).isEqualTo(3);
                assertThat(now.get("http_server_requests_seconds").getMetrics())
                        .allSatisfy(s -> assertThat(s.getLabels().get("route")).doesNotContain(ok.get("id").asText()));
            });

            assertThat(m).containsKeys("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                    "process_uptime_seconds", "process_cpu_usage", "system_cpu_count");
        }
    }

    @Test
    void requestsAnsweredBeforeAnyRouteAreCountedNotBroken() {
        // static files are served before routing: the request logger must not fail them (it once made every one a 500)
        var page = kiln.api.withToken(null).get("/app.js");
        assertThat(page.status()).isEqualTo(200);
        assertThat(kiln.api.get("/metrics").body()).containsPattern("http_server_requests_seconds_count\\{method=\"GET\",route=\"other\",status=\"200\"} [1-9]");
    }

    @Test
    void needsAViewerTokenOnTheApiPort() {
        assertThat(kiln.api.withToken(null).get("/metrics").status()).isEqualTo(401);
        String viewer = kiln.api.createToken("scraper", "viewer");
        var r = kiln.api.withToken(viewer).get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain; version=0.0.4");
    }

    @Test
    void aSeparateListenerServesMetricsWithoutAToken() throws Exception {
        int port = kiln.server.openMetricsListener("127.0.0.1", 0);
        String base = "http://127.0.0.1:" + port;
        Map<String, MetricFamily> m = parse(scrape(base, null));
        assertThat(m).containsKeys("kiln_jobs_dispatch_latency_seconds", "kiln_agents", "jvm_memory_used_bytes");
        // that listener serves nothing else
        var api = HttpRequest.newBuilder(URI.create(base + "/api/v1/jobs")).build();
        assertThat(http.send(api, HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
    }

    static String scrape(String base, String token) throws IOException, InterruptedException {
        var req = HttpRequest.newBuilder(URI.create(base + "/metrics"));
        if (token != null) req.header("Authorization", "Bearer " + token);
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    static Map<String, MetricFamily> parse(String text) throws IOException {
        var families = new HashMap<String, MetricFamily>();
        var parser = new TextPrometheusMetricDataParser(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        for (MetricFamily f = parser.parse(); f != null; f = parser.parse()) {
            assertThat(families.put(f.getName(), f)).as("family %s appears once", f.getName()).isNull();
        }
        assertThat(families).isNotEmpty();
        return families;
    }

    /** The sample of a counter or gauge family with exactly these labels. */
    static double value(Map<String, MetricFamily> m, String family, Map<String, String> labels) {
        Metric s = sample(m, family, labels);
        if (s instanceof Counter c) return c.getValue();
        if (s instanceof Gauge g) return g.getValue();
        throw new AssertionError(family + " is a " + m.get(family).getType() + ", not a counter or gauge");
    }

    static Histogram histogram(Map<String, MetricFamily> m, String family, Map<String, String> labels) {
        return (Histogram) sample(m, family, labels);
    }

    /** Timers without a histogram (HTTP requests: one series per route and status) are summaries: count, sum. */
    static Summary summary(Map<String, MetricFamily> m, String family, Map<String, String> labels) {
        return (Summary) sample(m, family, labels);
    }

    private static Metric sample(Map<String, MetricFamily> m, String family, Map<String, String> labels) {
        assertThat(m).as("families scraped").containsKey(family);
        List<Metric> found = m.get(family).getMetrics().stream().filter(s -> s.getLabels().equals(labels)).toList();
        assertThat(found).as("%s%s among %s", family, labels, m.get(family).getMetrics().stream().map(Metric::getLabels).toList())
                .hasSize(1);
        return found.get(0);
    }

    private static InputStream openStream(String path) throws IOException, InterruptedException {
        var req = HttpRequest.newBuilder(URI.create(kiln.api.base() + path))
                .header("Authorization", "Bearer " + kiln.api.token()).build();
        var r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
