package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The project's fuzz test: seeded hostile requests over every route of the route table, WebSocket upgrades, request
 * heads Jetty must refuse, and hostile agent-protocol frames. The server must answer each with less than a 500, never
 * reset a connection, log no stack trace, still run a job afterwards, and let every job it accepted be cancelled.
 *
 * <p>Replay a failure with {@code -Dkiln.fuzz.seed=<the printed seed>}; {@code -Dkiln.fuzz.requests=N} sends more.
 */
class FuzzIT {
    static final List<String> LIVE = List.of("queued", "assigned", "running", "cancelling", "stopping");
    static final String[] ENDED = {"succeeded", "failed", "timed_out", "cancelled", "lost", "stopped"};

    @TempDir
    Path dir;

    @Test
    void hostileRequestsNeverBreakTheServer() throws Exception {
        long seed = Long.getLong("kiln.fuzz.seed", new Random().nextLong());
        int count = Integer.getInteger("kiln.fuzz.requests", 2_400);
        System.out.println("FuzzIT seed=" + seed + " (replay: -Dkiln.fuzz.seed=" + seed + ")");
        var random = new Random(seed);
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2); var log = new LogCapture()) {
            int port = Integer.parseInt(kiln.api.base().replaceAll(".*:(\\d+).*", "$1"));
            String agentToken = kiln.server.tokens().createEphemeral("fuzz agent", "fuzz-agent").token();
            List<String> jobIds = new CopyOnWriteArrayList<>();
            jobIds.add(kiln.api.submit(Map.of("command", "true")).get("id").asText());
            jobIds.add(kiln.api.submit(Map.of("command", "sleep 120")).get("id").asText());
            var requests = new HostileRequests(random, kiln.server.api().routes(), kiln.api.token(), agentToken, () -> jobIds);

            var byClass = new TreeMap<String, Integer>();
            var byKind = new TreeMap<String, Integer>();
            List<String> failures = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                HostileRequests.Request request = requests.next(n);
                byKind.merge(request.kind().name(), 1, Integer::sum);
                try {
                    RawHttp.Response r = RawHttp.send(port, request.bytes(), request.readBody());
                    byClass.merge(statusClass(r.status()), 1, Integer::sum);
                    String problem = judge(request, r);
                    if (problem != null) failures.add("#" + n + " " + request.label() + ": " + problem);
                    newJobId(request, r, jobIds);
                } catch (IOException e) {
                    byClass.merge("no response", 1, Integer::sum);
                    failures.add("#" + n + " " + request.label() + ": " + e);
                }
            }
            var frames = new HostileAgentFrames(random, kiln.server.baseUrl(), agentToken).run(40);
            System.out.printf("FuzzIT seed=%d: %d requests (%s), by status %s; %d agent connections, %d frames%n",
                    seed, count, byKind, byClass, frames.connections(), frames.frames());

            assertThat(failures).as("seed %d", seed).isEmpty();
            assertThat(kiln.api.get("/health/live").status()).isEqualTo(200);
            // the fuzzer may have drained or disabled the embedded agent by name, as an operator may
            assertThat(kiln.api.post("/api/v1/workers/embedded/resume", "").status()).isIn(200, 409);
            cancelEveryLiveJob(kiln.api);
            JsonNode after = kiln.api.submit(Map.of("command", "echo still here"));
            kiln.api.awaitStatus(after.get("id").asText(), Duration.ofSeconds(30), "succeeded");
            assertThat(serverStackTraces(log)).as("seed %d", seed).isEmpty();
            assertThat(uncaught).as("seed %d", seed).isEmpty();
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    /** 505 is the protocol's answer to an unknown HTTP version, the client's mistake: counted apart from 5xx. */
    static String statusClass(int status) {
        return status == 505 ? "505 (HTTP version)" : status / 100 + "xx";
    }

    /** What is wrong with a response, or null. A 4xx of the API must be problem+json. */
    static String judge(HostileRequests.Request request, RawHttp.Response r) {
        if (r.status() == 505) return r.contentType().startsWith("application/problem+json") ? null : "505 as " + r.contentType();
        // not ready is an answer, not a break: the fuzzer may drain or disable the embedded agent as any operator can
        if (r.status() == 503 && r.body().contains("\"checks\":") && r.body().contains("\"status\":\"not_ready\"")) return null;
        if (r.status() >= 500) return r.status() + " " + r.body();
        if (r.status() >= 400 && !r.contentType().startsWith("application/problem+json")) {
            return r.status() + " as " + r.contentType() + ": " + r.body().substring(0, Math.min(200, r.body().length()));
        }
        return null;
    }

    /** A job the fuzzer made (submit or rerun), to be cancelled at the end and fuzzed meanwhile. */
    static void newJobId(HostileRequests.Request request, RawHttp.Response r, List<String> jobIds) {
        if (r.status() != 201 || !r.contentType().startsWith("application/json")) return;
        try {
            JsonNode body = Api.JSON.readTree(r.body());
            if (body.hasNonNull("id") && body.has("status")) jobIds.add(body.get("id").asText());
        } catch (IOException e) {
            throw new AssertionError(request.label() + " answered 201 with a body that is not JSON", e);
        }
    }

    /** Cancels every job that has not ended, until none is left: no input may leave a job stuck. */
    static void cancelEveryLiveJob(Api api) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode page = api.get("/api/v1/jobs?limit=500&status=" + String.join(",", LIVE)).json();
            List<String> stuck = new ArrayList<>();
            for (JsonNode job : page.get("jobs")) {
                String id = job.get("id").asText();
                if (!job.get("status").asText().equals("cancelling")) api.post("/api/v1/jobs/" + id + "/cancel", "");
                stuck.add(id + " " + job.get("status").asText());
            }
            assertThat(stuck).isEmpty();
        });
    }

    /** Stack traces and errors of the server's side; the embedded agent's own log is the agent's business. */
    static List<String> serverStackTraces(LogCapture log) {
        return log.stackTraces().stream().filter(line -> !line.contains(" dev.kiln.agent.")).toList();
    }
}
