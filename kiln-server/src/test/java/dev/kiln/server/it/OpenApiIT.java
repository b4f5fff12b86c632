package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.kiln.server.http.ApiServer;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document against the code: every route of the route table has its operation (and no operation lacks a
 * route), with the route's role; swagger-parser reads the served document without a message; and real responses of a
 * real server — every route called at least once, errors included (the build graph's routes over the example
 * graph) — match the documented schema of their status and
 * content type (networknt's JSON Schema 2020-12 validator), so a field added, renamed or retyped on either side fails.
 */
class OpenApiIT {
    /** Routes this test does not call, and why. */
    static final Map<String, String> NOT_CALLED = Map.of(
            "PUT /api/v1/agent/jobs/{id}/artifacts", "only an agent running the job may upload; ArtifactsIT covers it");

    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static JsonNode doc;
    static final Set<String> called = new TreeSet<>();
    static final List<String> mismatches = new ArrayList<>();

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 1);
        var r = kiln.api.withToken(null).get("/api/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        doc = r.json();
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    @Test
    void everyRouteHasItsOperationAndEveryOperationARoute() {
        var openApi = kiln.server.api().openApi();
        assertThat(openApi.undocumented()).as("routes without an operation in api/openapi.yaml").isEmpty();
        assertThat(openApi.unrouted()).as("operations in api/openapi.yaml without a route").isEmpty();
        for (ApiServer.Route route : kiln.server.api().routes()) {
            JsonNode op = operation(route.method().name(), route.path());
            assertThat(op.path("x-kiln-role").asText()).as(route.toString()).isEqualTo(route.role().name().toLowerCase(Locale.ROOT));
            assertThat(op.path("summary").asText()).as("summary of " + route).isNotBlank();
            assertThat(op.path("security").isArray()).as("security of " + route).isTrue();
            assertThat(op.path("security").isEmpty()).as("a public route needs no credentials: " + route)
                    .isEqualTo(route.role() == dev.kiln.server.core.Role.PUBLIC);
        }
    }

    @Test
    void swaggerParserReadsTheServedDocumentWithoutAMessage() {
        var options = new ParseOptions();
        options.setResolve(true);
        var result = new OpenAPIV3Parser().readContents(doc.toString(), null, options);
        assertThat(result.getMessages()).isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(result.getOpenAPI().getPaths()).hasSize(doc.get("paths").size());
        assertThat(result.getOpenAPI().getComponents().getSecuritySchemes()).containsKeys("bearerAuth", "sessionCookie");
    }

    @Test
    void everyExampleMatchesItsSchema() {
        int checked = 0;
        for (var schema : doc.get("components").get("schemas").properties()) {
            if (!schema.getValue().has("example")) continue;
            assertThat(validate(schema.getValue(), schema.getValue().get("example"))).as(schema.getKey()).isEmpty();
            checked++;
        }
        for (JsonNode mediaType : doc.findValues("content")) {
            for (var m : mediaType.properties()) {
                JsonNode schema = m.getValue().get("schema");
                if (schema == null || !m.getKey().endsWith("json")) continue;
                var examples = new ArrayList<JsonNode>();
                if (m.getValue().has("example")) examples.add(m.getValue().get("example"));
                m.getValue().path("examples").forEach(e -> examples.add(e.get("value")));
                for (JsonNode example : examples) {
                    assertThat(validate(schema, example)).as(example.toString()).isEmpty();
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(10);
    }

    @Test
    void theDocsPageLoadsSwaggerUiOverTheDocument() {
        var page = kiln.api.withToken(null).get("/api/docs");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("/api/openapi.json");
        for (String asset : List.of("swagger-ui-bundle.js", "swagger-ui.css")) {
            String src = page.body().substring(page.body().indexOf("/webjars/swagger-ui/")).split("\"")[0];
            String url = src.substring(0, src.lastIndexOf('/') + 1) + asset;
            assertThat(kiln.api.withToken(null).get(url).status()).as(url).isEqualTo(200);
        }
    }

    @Test
    void realResponsesMatchTheirDocumentedSchemas() throws IOException {
        Api admin = kiln.api;
        Api anonymous = admin.withToken(null);
        // a finished job with log lines, an output and an artifact
        String done = admin.submit(Map.of("name", "docs", "type", "test", "command",
                "echo hello; echo version=1 >> \"$KILN_OUTPUT\"; echo x > out.txt", "artifacts", List.of("out.txt"))).get("id").asText();
        admin.awaitStatus(done, Duration.ofSeconds(30), "succeeded");
        // jobs no agent can take (arm64): they stay queued, with a position and a waiting reason
        String queued = id(check("POST", "/api/v1/jobs", admin.post("/api/v1/jobs",
                Map.of("command", "true", "target_architecture", "arm64", "labels", Map.of("zone", "a")))));
        String seedQueued = id(check("POST", "/api/v1/infrastructure/build-jobs", admin.post("/api/v1/infrastructure/build-jobs",
                Map.of("source_repository", "https://example.com/app.git", "branch", "main", "commit_hash", "abcdef12",
                        "target_architecture", "arm64", "server_id", "auto"))));

        String jobs = "/api/v1/jobs/";
        for (String id : List.of(done, queued)) {
            check("GET", "/api/v1/jobs/{id}", admin.get(jobs + id));
            check("GET", "/api/v1/jobs/{id}/status", admin.get(jobs + id + "/status"));
            check("GET", "/api/v1/jobs/{id}/logs", admin.get(jobs + id + "/logs"));
            check("GET", "/api/v1/jobs/{id}/events", admin.get(jobs + id + "/events"));
            // the newest N, with the count of all (of one kind, too)
            JsonNode last = check("GET", "/api/v1/jobs/{id}/events", admin.get(jobs + id + "/events?last=1")).json();
            assertThat(last.get("total").asInt()).isGreaterThanOrEqualTo(last.get("events").size()).isPositive();
            assertThat(last.get("events")).hasSize(1);
            JsonNode kind = check("GET", "/api/v1/jobs/{id}/events", admin.get(jobs + id + "/events?last=5&kind=job.queued")).json();
            assertThat(kind.get("total").asInt()).isEqualTo(1);
            check("GET", "/api/v1/jobs/{id}/artifacts", admin.get(jobs + id + "/artifacts"));
        }
        check("GET", "/api/v1/jobs/{id}/logs.txt", admin.get(jobs + done + "/logs.txt"));
        check("GET", "/api/v1/jobs/{id}/artifacts/<name>", admin.get(jobs + done + "/artifacts/out.txt"));
        check("GET", "/api/v1/jobs/{id}/logs/stream", admin.head("GET", jobs + done + "/logs/stream", null, null));
        check("GET", "/api/v1/stream", admin.head("GET", "/api/v1/stream", null, null));
        check("GET", "/api/v1/stream", admin.head("GET", "/api/v1/stream?since=0", null, null));
        check("GET", "/api/v1/jobs", admin.get("/api/v1/jobs?limit=1"));
        check("GET", "/api/v1/activity", admin.get("/api/v1/activity"));
        check("GET", "/api/v1/queue", admin.get("/api/v1/queue"));
        check("GET", "/api/v1/workers", admin.get("/api/v1/workers"));
        check("GET", "/api/v1/workers/{id}", admin.get("/api/v1/workers/embedded"));
        check("POST", "/api/v1/jobs/{id}/rerun", admin.post(jobs + done + "/rerun", ""));

        String seed = "/api/v1/infrastructure/build-jobs";
        check("GET", seed, admin.get(seed));
        check("GET", seed + "/queue/status", admin.get(seed + "/queue/status"));
        check("GET", seed + "/{id}", admin.get(seed + "/" + done));
        check("GET", seed + "/{id}/status", admin.get(seed + "/" + seedQueued + "/status"));
        check("GET", seed + "/{id}/logs", admin.get(seed + "/" + done + "/logs"));
        check("PUT", seed + "/{id}/cancel", admin.send("PUT", seed + "/" + seedQueued + "/cancel", null, null));
        check("POST", seed + "/{id}/cancel", admin.post(seed + "/" + seedQueued + "/cancel", ""));

        // tokens, sign-in, sessions
        JsonNode token = check("POST", "/api/v1/tokens", admin.post("/api/v1/tokens", Map.of("name", "docs", "role", "viewer"))).json();
        check("GET", "/api/v1/tokens", admin.get("/api/v1/tokens"));
        check("POST", "/api/v1/sign-in-codes", admin.post("/api/v1/sign-in-codes", ""));
        check("POST", "/api/v1/session", anonymous.post("/api/v1/session", Map.of("token", token.get("token").asText())));
        check("GET", "/api/v1/session", admin.get("/api/v1/session"));
        check("GET", "/api/v1/session", anonymous.get("/api/v1/session"));
        JsonNode sessions = check("GET", "/api/v1/sessions", admin.get("/api/v1/sessions")).json().get("sessions");
        assertThat(sessions).isNotEmpty();
        check("DELETE", "/api/v1/sessions/{id}", admin.send("DELETE", "/api/v1/sessions/" + sessions.get(0).get("id").asText(), null, null));
        check("DELETE", "/api/v1/session", anonymous.send("DELETE", "/api/v1/session", null, null));
        check("DELETE", "/api/v1/tokens/{id}", admin.send("DELETE", "/api/v1/tokens/" + token.get("id").asText(), null, null));

        // operations
        check("GET", "/health/live", anonymous.get("/health/live"));
        check("GET", "/health/ready", anonymous.get("/health/ready"));
        check("GET", "/metrics", admin.get("/metrics"));
        check("POST", "/api/v1/admin/prune", admin.post("/api/v1/admin/prune?dry_run=true", ""));
        check("POST", "/api/v1/admin/prune", admin.post("/api/v1/admin/prune?dry_run=perhaps", ""));
        check("POST", "/api/v1/admin/backup", admin.post("/api/v1/admin/backup", ""));
        check("GET", "/api/openapi.json", anonymous.get("/api/openapi.json"));
        check("GET", "/api/docs", anonymous.get("/api/docs"));

        // errors are problem+json as documented: 400, 401, 404, 409
        check("POST", "/api/v1/jobs", admin.post("/api/v1/jobs", Map.of("command", "true", "priority", "high")));
        check("GET", "/api/v1/jobs", anonymous.get("/api/v1/jobs"));
        check("GET", "/api/v1/jobs/{id}", admin.get(jobs + "0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d"));
        check("POST", "/api/v1/jobs/{id}/cancel", admin.post(jobs + done + "/cancel", ""));
        check("POST", "/api/v1/jobs/{id}/cancel", admin.post(jobs + queued + "/cancel", ""));
        check("PUT", "/api/v1/jobs/{id}/cancel", admin.send("PUT", jobs + queued + "/cancel", null, null));
        check("GET", "/api/v1/jobs/{id}/events", admin.get(jobs + done + "/events?after=1&last=5"));
        check("GET", "/api/v1/stream", admin.get("/api/v1/stream?since=yesterday"));
        assertThat(check("GET", "/api/v1/jobs/{id}", admin.get(jobs + done.substring(0, 5))).status()).isEqualTo(400);
        assertThat(check("GET", "/api/v1/jobs/{id}", admin.get(jobs + done.substring(0, 8))).json().get("id").asText()).isEqualTo(done);

        graphRoutes(admin);
        buildRoutes(admin);

        // the agent, last: drained, resumed, disabled, resumed
        for (String command : List.of("drain", "resume", "disable", "resume")) {
            check("POST", "/api/v1/workers/{id}/" + command, admin.post("/api/v1/workers/embedded/" + command, ""));
        }

        assertThat(mismatches).isEmpty();
        var everyRoute = new TreeSet<String>();
        kiln.server.api().routes().forEach(r -> everyRoute.add(r.method() + " " + r.path()));
        everyRoute.removeAll(NOT_CALLED.keySet());
        assertThat(called).as("routes called and checked").containsAll(everyRoute);
    }

    /**
     * The build graph's routes, each answer checked: before a graph is loaded (empty view, analyze → 409), a refused
     * PUT (415, 400 with line and column), the example graph put in force, a refused one kept as last_error, a plan,
     * a ref no definition produces and a cycle.
     */
    static void graphRoutes(Api admin) throws IOException {
        String graph = "/api/v1/graph", analyze = "/api/v1/graph/analyze";
        String example = Files.readString(Path.of("../examples/daily-reports/kiln.yaml"));
        Map<String, Object> weekly = Map.of("partitions", List.of("reports/weekly/week=2026-W45"), "force", false);

        JsonNode empty = check("GET", graph, admin.get(graph)).json();
        assertThat(empty.get("version").isNull()).isTrue();
        assertThat(check("POST", analyze, admin.post(analyze, weekly)).status()).isEqualTo(409);
        assertThat(check("PUT", graph, admin.send("PUT", graph, "application/json", "{}")).status()).isEqualTo(415);

        JsonNode loaded = check("PUT", graph, admin.send("PUT", graph, "application/yaml", example)).json();
        assertThat(loaded.get("source").asText()).isEqualTo("api");
        assertThat(loaded.get("definitions")).hasSize(4);
        assertThat(loaded.get("edges")).isNotEmpty();
        var broken = check("PUT", graph, admin.send("PUT", graph, "text/yaml", example + "    colour: red\n"));
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.json().get("errors").get(0).get("line").asInt()).isPositive();
        JsonNode kept = check("GET", graph, admin.get(graph)).json();
        assertThat(kept.get("version").asText()).isEqualTo(loaded.get("version").asText());
        assertThat(kept.get("last_error").get("errors")).isNotEmpty();

        JsonNode plan = check("POST", analyze, admin.post(analyze, weekly)).json();
        assertThat(plan.get("graph_version").asText()).isEqualTo(loaded.get("version").asText());
        assertThat(plan.get("jobs")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(check("POST", analyze, admin.post(analyze, Map.of("partitions", List.of("reports/monthly/month=2026-11"))))
                .status()).isEqualTo(400);
        assertThat(check("POST", analyze, admin.post(analyze, Map.of("partitions", List.of(), "colour", "red"))).status()).isEqualTo(400);
        // last, as it replaces the example: a cycle is a 400 naming it
        String cyclic = "jobs:\n  a: {outputs: [\"a/{x}\"], inputs: [\"b/{x}\"], command: ./a.sh}\n"
                + "  b: {outputs: [\"b/{x}\"], inputs: [\"a/{x}\"], command: ./b.sh}\n";
        assertThat(check("PUT", graph, admin.send("PUT", graph, "text/plain", cyclic)).status()).isEqualTo(200);
        assertThat(check("POST", analyze, admin.post(analyze, Map.of("partitions", List.of("a/1")))).json().get("detail").asText())
                .contains("a/1 (a) → b/1 (b) → a/1 (a)");
    }

    /**
     * Build requests and partitions, each answer checked: a build that completes, one that waits (no arm64 agent)
     * and is cancelled, bad requests, the partition pages, a ref never built and one no definition makes.
     */
    static void buildRoutes(Api admin) {
        String graph = "jobs:\n  raw: {outputs: [\"raw/d={d}\"], command: echo raw}\n"
                + "  far: {outputs: [\"far/d={d}\"], command: echo far, target_architecture: arm64}\n";
        assertThat(check("PUT", "/api/v1/graph", admin.send("PUT", "/api/v1/graph", "text/plain", graph)).status()).isEqualTo(200);
        String builds = "/api/v1/builds";
        String done = check("POST", builds, admin.post(builds, Map.of("partitions", List.of("raw/d=1")))).json().get("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.get(builds + "/" + done).json().get("status").asText().equals("completed"));
        String waiting = check("POST", builds, admin.post(builds, Map.of("partitions", List.of("far/d=1"), "force", true))).json().get("id").asText();
        assertThat(check("POST", builds, admin.post(builds, Map.of("partitions", List.of("nothing/1")))).status()).isEqualTo(400);
        check("GET", builds, admin.get(builds + "?limit=1"));
        check("GET", builds, admin.get(builds + "?status=completed&partition=raw%2Fd%3D1"));
        check("GET", builds, admin.get(builds + "?status=perhaps"));
        check("GET", builds + "/{id}", admin.get(builds + "/" + done));
        check("GET", builds + "/{id}", admin.get(builds + "/no-such-build"));
        check("GET", builds + "/{id}/partitions", admin.get(builds + "/" + done + "/partitions?limit=1"));
        check("GET", builds + "/{id}/events", admin.get(builds + "/" + done + "/events?limit=2"));
        check("POST", builds + "/{id}/cancel", admin.post(builds + "/" + waiting + "/cancel", ""));
        assertThat(check("POST", builds + "/{id}/cancel", admin.post(builds + "/" + done + "/cancel", "")).status()).isEqualTo(409);
        check("GET", "/api/v1/partitions", admin.get("/api/v1/partitions?prefix=raw%2F&limit=1"));
        check("GET", "/api/v1/partitions", admin.get("/api/v1/partitions?status=available"));
        check("GET", "/api/v1/partitions/<ref>/status", admin.get("/api/v1/partitions/raw%2Fd%3D1/status"));
        check("GET", "/api/v1/partitions/<ref>/status", admin.get("/api/v1/partitions/raw%2Fd%3D2/status"));
        check("GET", "/api/v1/partitions/<ref>/status", admin.get("/api/v1/partitions/nothing%2F1/status"));
        check("GET", "/api/v1/partitions/<ref>/events", admin.get("/api/v1/partitions/raw%2Fd%3D1/events"));
        check("GET", "/api/v1/graph/jobs/{name}/metrics", admin.get("/api/v1/graph/jobs/raw/metrics"));
        check("GET", "/api/v1/graph/jobs/{name}/metrics", admin.get("/api/v1/graph/jobs/nothing/metrics"));
    }

    /** Checks a response against the operation's documented response for its status and content type. */
    static Api.Response check(String method, String route, Api.Response r) {
        called.add(method + " " + route);
        String where = method + " " + route + " → " + r.status();
        JsonNode op = operation(method, route);
        JsonNode response = op.path("responses").has(Integer.toString(r.status()))
                ? op.path("responses").get(Integer.toString(r.status())) : op.path("responses").get("default");
        if (response == null) {
            mismatches.add(where + ": status not documented");
            return r;
        }
        response = resolve(response);
        if (r.status() == 204 || r.contentType().isEmpty()) {
            if (response.has("content")) mismatches.add(where + ": documented with a body, answered without");
            return r;
        }
        String mediaType = r.contentType().split(";")[0].strip();
        JsonNode content = response.path("content").get(mediaType);
        if (content == null) {
            mismatches.add(where + ": content type " + mediaType + " not documented (" + response.path("content").properties() + ")");
            return r;
        }
        if (mediaType.endsWith("json") && !r.body().isEmpty()) {
            for (ValidationMessage m : validate(content.get("schema"), r.json())) mismatches.add(where + ": " + m.getMessage());
        }
        return r;
    }

    static JsonNode operation(String method, String route) {
        String path = route.replace('<', '{').replace('>', '}');
        JsonNode op = doc.path("paths").path(path).get(method.toLowerCase(Locale.ROOT));
        assertThat(op).as("operation %s %s in the document", method, path).isNotNull();
        return op;
    }

    /** A response given as {@code $ref: '#/components/responses/…'}. */
    static JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? doc.at(node.get("$ref").asText().substring(1)) : node;
    }

    /** Validates against a schema of the document, its {@code #/components/...} references resolved in place. */
    static Set<ValidationMessage> validate(JsonNode schema, JsonNode body) {
        ObjectNode root = schema.deepCopy();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", doc.get("components"));
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root).validate(body);
    }

    private static String id(Api.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }
}
