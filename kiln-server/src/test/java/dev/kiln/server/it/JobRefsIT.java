package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A job's {@code {id}} in every route is its whole id or any unique prefix of 6 or more characters (the short id
 * people copy): too short → 400, nothing → 404 describing real ids, several → 409 naming them. Answers carry whole ids.
 */
class JobRefsIT extends OneServerPerClass {
    /** The ways people write a job's id short: 6 characters, the 8-character short id in capitals, past a hyphen. */
    static List<String> prefixes(String id) {
        return List.of(id.substring(0, 6), id.substring(0, 8).toUpperCase(Locale.ROOT), id.substring(0, 13));
    }

    @Test
    void everyJobRouteTakesAUniquePrefixAndAnswersWithTheWholeId() throws Exception {
        String id = api.submit(Map.of("command", "mkdir dist; echo built > dist/app.txt; echo hello",
                "artifacts", List.of("dist/*"))).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(30), "succeeded");
        for (String p : prefixes(id)) {
            String jobs = "/api/v1/jobs/" + p;
            assertThat(ok(jobs).json().get("id").asText()).as(p).isEqualTo(id);
            assertThat(ok(jobs + "/status").json().get("id").asText()).isEqualTo(id);
            assertThat(ok(jobs + "/logs").json().get("job_id").asText()).isEqualTo(id);
            assertThat(ok(jobs + "/logs.txt").body()).contains("hello");
            assertThat(ok(jobs + "/events").json().get("job_id").asText()).isEqualTo(id);
            assertThat(ok(jobs + "/logs/stream?after=0").body()).contains("event: end").contains("hello");
            JsonNode artifacts = ok(jobs + "/artifacts").json();
            assertThat(artifacts.get("job_id").asText()).isEqualTo(id);
            assertThat(artifacts.get("artifacts").get(0).get("download_url").asText()).startsWith("/api/v1/jobs/" + id + "/");
            assertThat(ok(jobs + "/artifacts/dist/app.txt").body()).isEqualTo("built\n");
            var socket = socket(p);
            assertThat(socket.closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(socket.messages).anySatisfy(m -> assertThat(m.get("type").asText()).isEqualTo("job.closed"));
        }

        var rerun = api.post("/api/v1/jobs/" + id.substring(0, 8) + "/rerun", "");
        assertThat(rerun.status()).as(rerun.body()).isEqualTo(201);
        assertThat(rerun.json().get("rerun_of").asText()).isEqualTo(id);

        String running = api.submit(Map.of("command", "sleep 300")).get("id").asText();
        var cancel = api.post("/api/v1/jobs/" + running.substring(0, 7) + "/cancel", "");
        assertThat(cancel.status()).as(cancel.body()).isIn(200, 202);
        assertThat(cancel.json().get("id").asText()).isEqualTo(running);
        api.awaitStatus(running, Duration.ofSeconds(30), "cancelled");
    }

    @Test
    void aPrefixOfSeveralJobsIs409NamingThem() throws Exception {
        // ids sharing a prefix, put in the store directly: random ids share 6 characters too rarely to wait for
        var twins = List.of("abcdef01-0000-4000-8000-000000000001", "abcdef01-0000-4000-8000-000000000002");
        var ids = new ArrayList<>(twins);
        for (int i = 0; i < 11; i++) ids.add(String.format("abcdef%02x-0000-4000-8000-000000000000", 0x10 + i));
        insertFinished(ids);

        var two = api.get("/api/v1/jobs/ABCDEF01/status");
        assertThat(two.status()).isEqualTo(409);
        assertThat(two.contentType()).startsWith("application/problem+json");
        assertThat(two.json().get("detail").asText()).contains("ambiguous", "2 jobs", twins.get(0), twins.get(1), "more characters");
        assertThat(two.json().get("candidates")).extracting(JsonNode::asText).containsExactlyElementsOf(twins);

        var many = api.get("/api/v1/jobs/abcdef");
        assertThat(many.status()).isEqualTo(409);
        assertThat(many.json().get("detail").asText()).contains("more than 10 jobs");
        assertThat(many.json().get("candidates")).hasSize(10);

        assertThat(api.post("/api/v1/jobs/abcdef01/rerun", "").status()).as("nothing is re-run").isEqualTo(409);
        assertThat(api.get("/api/v1/jobs/abcdef01-0000-4000-8000-000000000002").json().get("id").asText())
                .as("the whole id is never ambiguous").isEqualTo(twins.get(1));
        assertThat(api.get("/api/v1/jobs/abcdef1a").json().get("id").asText()).isEqualTo(ids.get(12));
        assertThat(socket("abcdef01").closed.get(10, TimeUnit.SECONDS)).isEqualTo(4409);
    }

    @Test
    void fewerThanSixCharactersIs400SayingTheMinimum() throws Exception {
        String id = api.submit(Map.of("command", "true")).get("id").asText();
        var r = api.get("/api/v1/jobs/" + id.substring(0, 5) + "/logs");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("too short", "at least 6 characters");
        assertThat(socket(id.substring(0, 5)).closed.get(10, TimeUnit.SECONDS)).isEqualTo(4400);
    }

    @Test
    void anUnknownIdIs404DescribingRealIds() throws Exception {
        for (String unknown : List.of("fedcba", "fedcba98-7654-4321-8fed-cba987654321", "not-a-job")) {
            var r = api.get("/api/v1/jobs/" + unknown + "/events");
            assertThat(r.status()).as(unknown).isEqualTo(404);
            assertThat(r.json().get("detail").asText()).contains("no job with id '" + unknown + "'", "random UUIDs",
                    "prefix of at least 6 characters").doesNotContain("0193");
        }
        assertThat(api.post("/api/v1/jobs/fedcba98/cancel", "").json().get("detail").asText()).contains("random UUIDs");
        assertThat(socket("fedcba98").closed.get(10, TimeUnit.SECONDS)).isEqualTo(4404);
    }

    static Api.Response ok(String path) {
        var r = api.get(path);
        assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
        return r;
    }

    static LiveStreamsIT.WsCollector socket(String ref) throws Exception {
        var c = new LiveStreamsIT.WsCollector();
        HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create((kiln.server.baseUrl() + "/api/v1/jobs/" + ref + "/events/ws").replace("http", "ws")
                        + "?token=" + api.token()), c)
                .get(10, TimeUnit.SECONDS);
        return c;
    }

    /** Finished jobs with these ids, straight into the store (the engine has nothing to run). */
    static void insertFinished(List<String> ids) {
        String template = api.submit(Map.of("command", "true", "target_architecture", "none")).get("id").asText();
        var spec = kiln.server.store().job(template).orElseThrow().spec();
        Instant now = Instant.now();
        kiln.server.store().write(tx -> {
            ids.forEach(id -> tx.insertJob(Job.newlySubmitted(id, spec, null, now).withStatus(JobStatus.CANCELLED, now)));
            return null;
        }).join();
    }
}
