package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed 001's ten curl tests, run literally with curl in bash (the commands are read from
 * {@code seed001/curl-tests.txt}, a verbatim copy), against a real server with no agent: the seed's situation, "jobs
 * queue but don't execute". Each response is compared with the one the seed shows, whole: same fields in the same
 * order, same values, except ids and times (which must be RFC 3339). The only change to the commands is the
 * Authorization header, the address, and the job id.
 *
 * <p>The seed's queue holds two builds at its Test 3, so Test 1 runs twice: the seed's job {@code 482fbd68…} is the
 * second.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the seed's counts assume its sequence runs first
class SeedInfrastructureApiIT {
    static final String SEED_ID = "482fbd68-7887-4b70-becb-97db113b8efc";
    static final Pattern RFC3339_LINE = Pattern.compile("\\[(\\d{4}-\\d\\d-\\d\\dT[^\\]]+Z)] (.+)");
    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Map<Integer, String> tests;

    @BeforeAll
    static void start() throws IOException {
        kiln = KilnTestServer.startWithoutAgent(dir.resolve("data"));
        tests = readTests();
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    /** Test number → its command, as the seed wrote it. */
    static Map<Integer, String> readTests() throws IOException {
        String text;
        try (InputStream in = SeedInfrastructureApiIT.class.getResourceAsStream("/seed001/curl-tests.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        var byNumber = new LinkedHashMap<Integer, String>();
        Matcher m = Pattern.compile("### Test (\\d+): [^\\n]*\\n(.*?)(?=\\n### |\\z)", Pattern.DOTALL).matcher(text);
        while (m.find()) byNumber.put(Integer.parseInt(m.group(1)), m.group(2).strip());
        assertThat(byNumber.keySet()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        return byNumber;
    }

    /** Runs seed test {@code n} with curl, on job {@code jobId}; returns what curl printed (the body). */
    static JsonNode curl(int n, String jobId) throws Exception {
        String command = tests.get(n)
                .replace("http://localhost:8000", "http://localhost:" + kiln.server.port())
                .replace(SEED_ID, jobId == null ? SEED_ID : jobId)
                .replaceFirst("^curl ", "curl -H \"Authorization: Bearer \\$KILN_TOKEN\" ");
        var pb = new ProcessBuilder("bash", "-c", command).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("KILN_TOKEN", kiln.api.token());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl exit code for seed test %d: %s", n, out).isZero();
        return Api.JSON.readTree(out);
    }

    /**
     * {@code actual} is the seed's {@code expected}: the same fields in the same order with the same values, where
     * {@code times} hold an RFC 3339 time wherever the seed shows one (and null where it shows null).
     */
    static void assertSeedShape(JsonNode actual, String expected, String... times) throws Exception {
        var want = (ObjectNode) Api.JSON.readTree(expected);
        var got = actual.deepCopy();
        assertThat(got.isObject()).as("an object: %s", actual).isTrue();
        for (String t : times) {
            if (want.get(t).isNull()) continue;
            assertThat(Instant.parse(got.get(t).asText())).as(t).isNotNull();
            ((ObjectNode) got).set(t, TextNode.valueOf("<time>"));
            want.set(t, TextNode.valueOf("<time>"));
        }
        assertThat(names(got)).as("fields, in order").containsExactlyElementsOf(names(want));
        assertThat(got).isEqualTo(want);
    }

    static List<String> names(JsonNode n) {
        var names = new ArrayList<String>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static String queuedJob(String id) {
        return """
                {"id": "%s", "source_repository": "https://github.com/torvalds/linux", "branch": "master",
                 "commit_hash": "HEAD", "target_architecture": "x86_64", "server_id": null, "status": "queued",
                 "started_at": null, "completed_at": null, "duration_seconds": null, "error_message": null,
                 "created_at": "2026-01-16T06:13:07.741807Z"}""".formatted(id);
    }

    @Test
    @Order(1)
    void theSeedsTenCurlTestsPassAsTheSeedShows() throws Exception {
        // Test 1, twice: the seed's queue holds two builds
        JsonNode earlier = curl(1, null);
        assertSeedShape(earlier, queuedJob(earlier.get("id").asText()), "created_at");
        JsonNode submitted = curl(1, null);
        String id = submitted.get("id").asText();
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertSeedShape(submitted, queuedJob(id), "created_at");

        JsonNode all = curl(2, null);
        assertThat(all.isArray()).as("a plain array: %s", all).isTrue();
        assertThat(all).hasSize(2);
        assertSeedShape(all.get(0), queuedJob(id), "created_at"); // newest first
        assertSeedShape(all.get(1), queuedJob(earlier.get("id").asText()), "created_at");

        assertSeedShape(curl(3, null), """
                {"total_queued": 2, "total_building": 0, "jobs_by_architecture": {"x86_64": 2},
                 "estimated_wait_time_seconds": 600}""");

        assertSeedShape(curl(4, id), queuedJob(id), "created_at");

        assertSeedShape(curl(5, id), """
                {"id": "%s", "status": "queued", "server_id": null, "started_at": null, "completed_at": null,
                 "duration_seconds": null, "error_message": null,
                 "queue_info": {"total_queued": 2, "estimated_wait_seconds": 600}}""".formatted(id));

        assertSeedShape(curl(6, id), """
                {"job_id": "%s", "logs": [], "streaming": false}""".formatted(id));

        assertSeedShape(curl(7, id), """
                {"success": true, "message": "Build job %s cancelled successfully", "resource_id": "%s"}"""
                .formatted(id, id));

        assertSeedShape(curl(8, id), """
                {"id": "%s", "status": "cancelled", "server_id": null, "started_at": null,
                 "completed_at": "2026-01-16T06:14:27.863086+00:00", "duration_seconds": null, "error_message": null,
                 "queue_info": null}""".formatted(id), "completed_at");

        JsonNode logs = curl(9, id);
        assertThat(names(logs)).containsExactly("job_id", "logs", "streaming");
        assertThat(logs.get("job_id").asText()).isEqualTo(id);
        assertThat(logs.get("streaming").asBoolean()).isFalse();
        logs.get("logs").forEach(l -> assertThat(l.asText()).matches(RFC3339_LINE));

        assertSeedShape(curl(10, null), """
                {"total_queued": 1, "total_building": 0, "jobs_by_architecture": {"x86_64": 1},
                 "estimated_wait_time_seconds": 300}""");
    }

    /**
     * Seed Test 9's line: the engine logs "[kiln] Build cancelled by user (token name)" for a job cancelled while
     * queued, in the log of attempt 0, which the seed API's logs read.
     */
    @Test
    @Order(2)
    void test9TheCancellationIsLogged() throws Exception {
        String id = curl(1, null).get("id").asText();
        curl(7, id);
        JsonNode logs = curl(9, id);
        assertThat(logs.get("logs")).hasSize(1);
        Matcher line = RFC3339_LINE.matcher(logs.get("logs").get(0).asText());
        assertThat(line.matches()).as(logs.toString()).isTrue();
        assertThat(Instant.parse(line.group(1))).isNotNull();
        // the seed's words; Kiln marks its own lines [kiln], and may name who cancelled (the token's name)
        assertThat(line.group(2)).isEqualTo("[kiln] Build cancelled by user (admin)");
    }
}
