package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build graph endpoints on a real server: the example pipeline loaded from its file, viewed and analyzed, and
 * its plan run as ordinary Kiln jobs; a graph put, refused with line and column, and planned into errors.
 */
class GraphApiIT {
    static final String WEEK = "reports/weekly/week=2026-W45";

    @TempDir Path dir;

    /** The example, copied with PIPELINE_HOME pointing at the copy. */
    Path example() throws IOException {
        return ExampleGraph.copyInto(dir);
    }

    @Test
    void theExampleIsLoadedAnalyzedAndItsPlanRunsAsOrdinaryJobs() throws Exception {
        Path yaml = example();
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 4, c -> c.withGraphFile(yaml))) {
            JsonNode graph = kiln.api.get("/api/v1/graph").json();
            assertThat(graph.get("source").asText()).isEqualTo("file");
            assertThat(graph.get("file").asText()).isEqualTo(yaml.toString());
            assertThat(graph.get("version").asText()).hasSize(64).startsWith(graph.get("version_short").asText());
            assertThat(graph.get("definitions")).extracting(d -> d.get("name").asText()).containsExactly("ingest", "clean", "daily_report", "weekly_summary");
            assertThat(graph.get("edges")).extracting(e -> e.get("from").asText() + "->" + e.get("to").asText()).containsExactly(
                    "ingest->clean", "clean->daily_report", "daily_report->weekly_summary", "daily_report->weekly_summary",
                    "daily_report->weekly_summary", "daily_report->weekly_summary", "daily_report->weekly_summary",
                    "daily_report->weekly_summary", "daily_report->weekly_summary");
            assertThat(graph.get("definitions").get(0).at("/job/retry/limit").asInt()).isEqualTo(2);
            assertThat(graph.get("last_error").isNull()).isTrue();
            assertThat(graph.at("/definitions/0/job/name").isNull()).isTrue();
            assertThat(graph.at("/definitions/3/job/name").asText()).isEqualTo("weekly summary");

            var r = kiln.api.post("/api/v1/graph/analyze", Map.of("partitions", List.of(WEEK)));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode plan = r.json();
            assertThat(plan.get("graph_version").asText()).isEqualTo(graph.get("version").asText());
            JsonNode jobs = plan.get("jobs");
            assertThat(jobs.findValuesAsText("key")).containsExactly("ingest#1", "ingest#2", "ingest#3", "ingest#4",
                    "ingest#5", "ingest#6", "ingest#7", "clean#1", "clean#2", "clean#3", "clean#4", "clean#5", "clean#6",
                    "clean#7", "daily_report#1", "weekly_summary#1");
            JsonNode daily = jobs.get(14);
            assertThat(daily.get("partitions")).hasSize(7);
            assertThat(daily.at("/job/command").asText()).endsWith("/report.sh 2026-W45-1 2026-W45-2 2026-W45-3 2026-W45-4 2026-W45-5 2026-W45-6 2026-W45-7");
            assertThat(daily.at("/job/env/KILN_PARTITIONS").asText()).startsWith("reports/daily/date=2026-W45-1 reports/daily/date=2026-W45-2");
            assertThat(daily.get("depends_on")).extracting(JsonNode::asText).containsExactly("clean#1", "clean#2", "clean#3",
                    "clean#4", "clean#5", "clean#6", "clean#7");
            assertThat(plan.at("/requested/0/outcome").asText()).isEqualTo("build");
            assertThat(plan.at("/requested/0/job").asText()).isEqualTo("weekly_summary#1");
            assertThat(plan.at("/summary/partitions_to_build").asInt()).isEqualTo(22);

            // a planned job is an ordinary Kiln job: submit each in order once what it depends on has succeeded
            var ids = new HashMap<String, String>();
            for (JsonNode job : jobs) {
                for (JsonNode dep : job.get("depends_on")) kiln.api.awaitStatus(ids.get(dep.asText()), Duration.ofSeconds(60), "succeeded");
                ids.put(job.get("key").asText(), kiln.api.submit(job.get("job")).get("id").asText());
            }
            JsonNode weekly = kiln.api.awaitStatus(ids.get("weekly_summary#1"), Duration.ofSeconds(60), "succeeded", "failed");
            assertThat(weekly.get("status").asText()).isEqualTo("succeeded");
            assertThat(weekly.get("name").asText()).isEqualTo("weekly summary");
            Path summary = yaml.getParent().resolve("data/reports/weekly/2026-W45.txt");
            assertThat(Files.readString(summary)).startsWith("2026-W45 days=7 events=");
            assertThat(kiln.api.allLogLines(ids.get("daily_report#1"), 1)).extracting(l -> l.get("text").asText())
                    .contains("2026-W45-7 events=21 total=929");
        }
    }

    @Test
    void putRefusesABrokenGraphWithLineAndColumnAndKeepsThePrevious() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c)) {
            // no graph yet: analyze says how to load one
            var none = kiln.api.post("/api/v1/graph/analyze", Map.of("partitions", List.of("a/1")));
            assertThat(none.status()).isEqualTo(409);
            assertThat(none.json().get("detail").asText()).contains("--graph").contains("PUT");
            assertThat(kiln.api.get("/api/v1/graph").json().get("version").isNull()).isTrue();

            String good = "jobs:\n  a:\n    outputs: [\"a/{x}\"]\n    command: ./a.sh {x}\n";
            var put = kiln.api.send("PUT", "/api/v1/graph", "application/yaml", good);
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            String version = put.json().get("version").asText();
            assertThat(put.json().get("source").asText()).isEqualTo("api");

            var broken = kiln.api.send("PUT", "/api/v1/graph", "text/yaml; charset=utf-8", good + "    batch: 1000\n    colour: red\n");
            assertThat(broken.status()).isEqualTo(400);
            assertThat(broken.contentType()).startsWith("application/problem+json");
            JsonNode errors = broken.json().get("errors");
            assertThat(errors).hasSize(2);
            assertThat(errors.get(0).get("field").asText()).isEqualTo("jobs.a.batch");
            assertThat(errors.get(0).get("line").asInt()).isEqualTo(5);
            assertThat(errors.get(0).get("column").asInt()).isEqualTo(5);
            assertThat(errors.get(1).get("message").asText()).startsWith("unknown field");
            JsonNode after = kiln.api.get("/api/v1/graph").json();
            assertThat(after.get("version").asText()).isEqualTo(version);
            assertThat(after.at("/last_error/errors/0/line").asInt()).isEqualTo(5);

            assertThat(kiln.api.send("PUT", "/api/v1/graph", "application/json", "{}").status()).isEqualTo(415);
            var operator = kiln.api.withToken(kiln.api.createToken("ops", "operator"));
            assertThat(operator.send("PUT", "/api/v1/graph", "text/plain", good).status()).isEqualTo(403);
            assertThat(operator.post("/api/v1/graph/analyze", Map.of("partitions", List.of("a/1"))).status()).isEqualTo(200);
        }
    }

    @Test
    void analyzeNamesTheBadRefAndTheCycle() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c)) {
            String cyclic = """
                    jobs:
                      a: {outputs: ["a/{x}"], inputs: ["b/{x}"], command: "./a.sh"}
                      b: {outputs: ["b/{x}"], inputs: ["a/{x}"], command: "./b.sh"}
                    """;
            assertThat(kiln.api.send("PUT", "/api/v1/graph", "text/plain", cyclic).status()).isEqualTo(200);
            var cycle = kiln.api.post("/api/v1/graph/analyze", Map.of("partitions", List.of("a/1")));
            assertThat(cycle.status()).isEqualTo(400);
            assertThat(cycle.json().get("detail").asText()).contains("cycle").contains("a/1 (a) → b/1 (b) → a/1 (a)");

            var unknown = kiln.api.post("/api/v1/graph/analyze", Map.of("partitions", List.of("a/1", "c/1")));
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.json().at("/errors/0/field").asText()).isEqualTo("partitions[1]");
            assertThat(unknown.json().at("/errors/0/message").asText()).contains("no job definition produces 'c/1'");

            ObjectNode bad = Api.JSON.createObjectNode();
            bad.putArray("partitions").add(3);
            assertThat(kiln.api.post("/api/v1/graph/analyze", bad).status()).isEqualTo(400);
            assertThat(kiln.api.post("/api/v1/graph/analyze", Map.of("partitions", List.of(), "force", false)).status()).isEqualTo(400);
            assertThat(kiln.api.post("/api/v1/graph/analyze", Map.of("partitions", List.of("a/1"), "froce", true)).status()).isEqualTo(400);
        }
    }

    @Test
    void aChangeOfTheFileReplacesAGraphPutThroughTheApi() throws Exception {
        Path yaml = example();
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c.withGraphFile(yaml))) {
            String fromFile = kiln.api.get("/api/v1/graph").json().get("version").asText();
            var put = kiln.api.send("PUT", "/api/v1/graph", "application/yaml", "jobs:\n  a:\n    outputs: [\"a/{x}\"]\n    command: ./a.sh\n");
            assertThat(put.json().get("reload_rule").asText()).contains("until the file's content changes");
            Files.writeString(yaml, Files.readString(yaml) + "\n# edited\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> kiln.api.get("/api/v1/graph").json().get("source").asText().equals("file"));
            assertThat(kiln.api.get("/api/v1/graph").json().get("version").asText()).isEqualTo(fromFile);
        }
    }
}
