package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed requests get the right 4xx as problem+json with a detail that says what to fix; the server goes on. */
class BadInputIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static String finishedJob;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        finishedJob = kiln.api.submit(Map.of("command", "true")).get("id").asText();
        kiln.api.awaitStatus(finishedJob, Duration.ofSeconds(20), "succeeded");
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    record Case(String name, String method, String path, String contentType, String body, int status, String field,
                String detailContains) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String JSON = "application/json";
    static final String UNKNOWN = "/api/v1/jobs/0193f6c2-8a41-7c3e-9d2b-5e8f1a2b3c4d";

    static Case post(String name, String body, String field) {
        return new Case(name, "POST", "/api/v1/jobs", JSON, body, 400, field, null);
    }

    static Stream<Case> cases() {
        var c = new ArrayList<Case>();
        c.add(post("broken JSON", "{", null));
        c.add(post("missing value", "{\"command\": }", null));
        c.add(post("trailing garbage", "{\"command\": \"true\"} xyz", null));
        c.add(post("array instead of object", "[]", "body"));
        c.add(post("string instead of object", "\"make\"", "body"));
        c.add(post("null body", "null", "body"));
        c.add(post("missing command", "{}", "command"));
        c.add(post("command of wrong type", "{\"command\": 42}", "command"));
        c.add(post("blank command", "{\"command\": \"   \"}", "command"));
        c.add(post("NUL in command", "{\"command\": \"echo \\u0000\"}", "command"));
        c.add(post("unpaired surrogate", "{\"command\": \"echo \\ud800\"}", "command"));
        c.add(post("priority as text", "{\"command\": \"x\", \"priority\": \"high\"}", "priority"));
        c.add(post("priority too large", "{\"command\": \"x\", \"priority\": 1000000000}", "priority"));
        c.add(post("priority too small", "{\"command\": \"x\", \"priority\": -5000}", "priority"));
        c.add(post("fractional priority", "{\"command\": \"x\", \"priority\": 1.5}", "priority"));
        c.add(post("negative timeout", "{\"command\": \"x\", \"timeout_seconds\": -1}", "timeout_seconds"));
        c.add(post("huge timeout", "{\"command\": \"x\", \"timeout_seconds\": 99999999999999999999999}", "timeout_seconds"));
        c.add(post("unknown field", "{\"command\": \"x\", \"comand\": \"y\"}", "comand"));
        c.add(post("duplicate field", "{\"command\": \"x\", \"command\": \"y\"}", null));
        c.add(post("env as string", "{\"command\": \"x\", \"env\": \"A=1\"}", "env"));
        c.add(post("bad env name", "{\"command\": \"x\", \"env\": {\"1BAD\": \"x\"}}", "env.1BAD"));
        c.add(post("env value object", "{\"command\": \"x\", \"env\": {\"A\": {\"b\": 1}}}", "env.A"));
        c.add(post("labels as list", "{\"command\": \"x\", \"labels\": [\"arch=arm64\"]}", "labels"));
        c.add(post("retry limit too high", "{\"command\": \"x\", \"retry\": {\"limit\": 100}}", "retry.limit"));
        c.add(post("unknown retry condition", "{\"command\": \"x\", \"retry\": {\"limit\": 1, \"on\": [\"sometimes\"]}}", "retry.on[0]"));
        c.add(post("retry not an object", "{\"command\": \"x\", \"retry\": 3}", "retry"));
        c.add(post("null retry backoff", "{\"command\": \"x\", \"retry\": {\"limit\": 1, \"backoff_seconds\": null}}", "retry.backoff_seconds"));
        c.add(post("negative retry backoff", "{\"command\": \"x\", \"retry\": {\"limit\": 1, \"backoff_seconds\": -5}}", "retry.backoff_seconds"));
        c.add(post("huge retry backoff", "{\"command\": \"x\", \"retry\": {\"limit\": 1, \"backoff_seconds\": 86400}}", "retry.backoff_seconds"));
        c.add(post("bad architecture", "{\"command\": \"x\", \"target_architecture\": \"ARM 64!\"}", "target_architecture"));
        c.add(post("bad commit hash", "{\"command\": \"x\", \"source_repository\": \"/tmp/r\", \"commit_hash\": \"xyz!\"}", "commit_hash"));
        c.add(post("branch without repository", "{\"command\": \"x\", \"branch\": \"main\"}", "branch"));
        c.add(post("path-like branch", "{\"command\": \"x\", \"source_repository\": \"/tmp/r\", \"branch\": \"../../etc\"}", "branch"));
        c.add(post("option-like repository", "{\"command\": \"x\", \"source_repository\": \"--upload-pack=evil\"}", "source_repository"));
        c.add(post("name too long", "{\"command\": \"x\", \"name\": \"" + "n".repeat(300) + "\"}", "name"));
        c.add(post("secret also in env", "{\"command\": \"x\", \"env\": {\"T\": \"1\"}, \"secrets\": {\"T\": \"2\"}}", "secrets.T"));
        c.add(post("artifacts not a list", "{\"command\": \"x\", \"artifacts\": \"*.jar\"}", "artifacts"));
        c.add(post("service not boolean", "{\"command\": \"x\", \"service\": \"yes\"}", "service"));
        c.add(new Case("empty body", "POST", "/api/v1/jobs", JSON, "", 400, null, "empty"));
        c.add(new Case("10 MB body", "POST", "/api/v1/jobs", JSON, "{\"command\": \"" + "x".repeat(10 * 1024 * 1024) + "\"}", 413, null, "larger"));
        c.add(new Case("text/plain body", "POST", "/api/v1/jobs", "text/plain", "{\"command\": \"x\"}", 415, null, "Content-Type"));
        c.add(new Case("no content type", "POST", "/api/v1/jobs", null, "{\"command\": \"x\"}", 415, null, "Content-Type"));
        c.add(new Case("form body", "POST", "/api/v1/jobs", "application/x-www-form-urlencoded", "command=x", 415, null, "application/json"));
        c.add(new Case("unknown job", "GET", UNKNOWN, null, null, 404, null, "no job"));
        c.add(new Case("path-like id", "GET", "/api/v1/jobs/..%2F..%2Fetc%2Fpasswd", null, null, 404, null, null));
        c.add(new Case("not an id", "GET", "/api/v1/jobs/not-a-uuid/logs", null, null, 404, null, "no job"));
        c.add(new Case("unicode id", "GET", "/api/v1/jobs/%F0%9F%9A%80", null, null, 404, null, "no job"));
        c.add(new Case("cancel unknown job", "POST", UNKNOWN + "/cancel", null, null, 404, null, "no job"));
        c.add(new Case("rerun unknown job", "POST", UNKNOWN + "/rerun", null, null, 404, null, "no job"));
        c.add(new Case("negative limit", "GET", "/api/v1/jobs?limit=-1", null, null, 400, null, "limit"));
        c.add(new Case("text limit", "GET", "/api/v1/jobs?limit=abc", null, null, 400, null, "limit"));
        c.add(new Case("huge limit", "GET", "/api/v1/jobs?limit=100000", null, null, 400, null, "limit"));
        c.add(new Case("unknown status filter", "GET", "/api/v1/jobs?status=exploded", null, null, 400, null, "exploded"));
        c.add(new Case("forged cursor", "GET", "/api/v1/jobs?cursor=abc", null, null, 400, null, "cursor"));
        c.add(new Case("bad label filter", "GET", "/api/v1/jobs?label=arm64", null, null, 400, null, "key=value"));
        c.add(new Case("unknown endpoint", "GET", "/api/v1/nope", null, null, 404, null, "no such endpoint"));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachMalformedRequestGetsAProblem(Case c) {
        Api.Response r = kiln.api.send(c.method(), c.path(), c.contentType(), c.body());
        assertThat(r.status()).as(r.body()).isEqualTo(c.status());
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("status").asInt()).isEqualTo(c.status());
        assertThat(p.get("title").asText()).isNotBlank();
        assertThat(p.get("detail").asText()).isNotBlank();
        if (c.field() != null) {
            List<String> fields = new ArrayList<>();
            p.get("errors").forEach(e -> fields.add(e.get("field").asText()));
            assertThat(fields).contains(c.field());
            p.get("errors").forEach(e -> assertThat(e.get("message").asText()).isNotBlank());
        }
        if (c.detailContains() != null) assertThat(p.get("detail").asText()).contains(c.detailContains());
        assertThat(kiln.api.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void jobScopedBadInput() {
        String base = "/api/v1/jobs/" + finishedJob;
        assertThat(kiln.api.get(base + "/logs?after=-5").status()).isEqualTo(400);
        assertThat(kiln.api.get(base + "/logs?attempt=99").status()).isEqualTo(404);
        assertThat(kiln.api.get(base + "/logs?limit=0").status()).isEqualTo(400);
        var cancel = kiln.api.post(base + "/cancel", "");
        assertThat(cancel.status()).isEqualTo(409);
        assertThat(cancel.json().get("detail").asText()).contains("succeeded");
        assertThat(kiln.api.get("/api/v1/workers/no-such-agent").status()).isEqualTo(404);
    }

    @Test
    void oddButValidUnicodeIsAcceptedAndKeptExactly() {
        String name = "ünïcødé 🚀 \u202eevil\u202c";
        JsonNode job = kiln.api.submit(Map.of("command", "printf '%s\\n' 'héllo 🚀 ✓'", "name", name));
        JsonNode done = kiln.api.awaitStatus(job.get("id").asText(), Duration.ofSeconds(20), "succeeded");
        assertThat(done.get("name").asText()).isEqualTo(name);
        assertThat(kiln.api.allLogLines(done.get("id").asText(), 1))
                .anySatisfy(l -> assertThat(l.get("text").asText()).isEqualTo("héllo 🚀 ✓"));
    }

    @Test
    void afterAllThatTheServerStillRunsJobs() {
        eachCaseOnce();
        JsonNode job = kiln.api.submit(Map.of("command", "echo still here"));
        assertThat(kiln.api.awaitStatus(job.get("id").asText(), Duration.ofSeconds(20), "succeeded").get("status").asText())
                .isEqualTo("succeeded");
    }

    private void eachCaseOnce() {
        cases().forEach(c -> kiln.api.send(c.method(), c.path(), c.contentType(), c.body()));
    }
}
