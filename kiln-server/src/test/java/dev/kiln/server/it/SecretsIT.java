package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job uses its secret in every way a job can print it — stdout, stderr, an output's key and value, a custom event's
 * nested string and key, a line over 64 KiB cut through the secret, an artifact's name — and the secret is found
 * nowhere in clear: not in the API, not on the streams, not in the bytes of the database files. The job really had
 * it: an output carries the secret's SHA-256, computed by the job.
 */
class SecretsIT {
    static final String SECRET = "hunter2-secret";

    @TempDir
    Path dir;

    /** Every way a job can print its secret; the long line starts the secret 5 characters before the 64 KiB cut. */
    static final String LEAKY_COMMAND = String.join("\n",
            "echo \"plain $S\"",
            "echo \"error $S\" >&2",
            "echo \"$S=as-a-key\" >> $KILN_OUTPUT",
            "echo \"value=before $S after\" >> $KILN_OUTPUT",
            "echo \"sha=$(printf %s \"$S\" | sha256sum | cut -d' ' -f1)\" >> $KILN_OUTPUT",
            "printf '{\"kind\":\"leak\",\"nested\":{\"list\":[\"in %s list\"]},\"%s\":1}\\n' \"$S\" \"$S\" >> $KILN_EVENTS",
            "printf '{\"kind\":\"%s\"}\\n' \"$S\" >> $KILN_EVENTS",
            "head -c 65531 /dev/zero | tr '\\0' a; printf '%s tail\\n' \"$S\"",
            "mkdir -p dist && echo data > \"dist/file-$S.txt\"");

    @Test
    void aSecretIsUsedByTheJobButFoundNowhereInClear() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2)) {
            Api api = kiln.api;
            String id = api.submit(Map.of("command", LEAKY_COMMAND, "secrets", Map.of("S", SECRET),
                    "artifacts", List.of("dist/*"))).get("id").asText();
            var ws = webSocket(kiln, id);
            var logSse = CompletableFuture.supplyAsync(() -> sse(kiln, "/api/v1/jobs/" + id + "/logs/stream?after=0", "end"));
            var globalSse = CompletableFuture.supplyAsync(() -> sse(kiln, "/api/v1/stream?after=0&job=" + id, "job.finished"));

            JsonNode job = api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed");
            assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");
            assertThat(job.get("outputs").get("sha").asText()).as("the job saw the real secret").isEqualTo(sha256(SECRET));
            assertThat(job.get("outputs").get("value").asText()).isEqualTo("before *** after");
            assertThat(ws.closed.get(30, TimeUnit.SECONDS)).isEqualTo(1000);

            // a re-run gets the real secret again, from the sealed copy
            String rerun = api.post("/api/v1/jobs/" + id + "/rerun", "").json().get("id").asText();
            JsonNode again = api.awaitStatus(rerun, Duration.ofSeconds(60), "succeeded", "failed");
            assertThat(again.get("outputs").get("sha").asText()).isEqualTo(sha256(SECRET));

            var seen = new LinkedHashMap<String, String>(); // where we looked → what we found
            seen.put("GET /jobs/{id}", api.get("/api/v1/jobs/" + id).body());
            seen.put("GET /jobs/{id} of the re-run", api.get("/api/v1/jobs/" + rerun).body());
            seen.put("GET /status", api.get("/api/v1/jobs/" + id + "/status").body());
            seen.put("GET /logs", api.allLogLines(id, 1).toString());
            // a line cut in two must not give the secret away in halves
            seen.put("GET /logs, the lines' texts joined", String.join("",
                    api.allLogLines(id, 1).stream().map(l -> l.get("text").asText()).toList()));
            seen.put("GET /logs.txt", api.get("/api/v1/jobs/" + id + "/logs.txt").body());
            seen.put("GET /events", api.get("/api/v1/jobs/" + id + "/events").body());
            seen.put("GET /artifacts", api.get("/api/v1/jobs/" + id + "/artifacts").body());
            seen.put("GET /jobs (list)", api.get("/api/v1/jobs?limit=10").body());
            seen.put("job log SSE", logSse.get(30, TimeUnit.SECONDS));
            seen.put("global SSE /stream", globalSse.get(30, TimeUnit.SECONDS));
            seen.put("job WebSocket", ws.messages.toString());
            Path data = dir.resolve("data");
            seen.putAll(databaseFiles(data));
            checkpoint(data);
            databaseFiles(data).forEach((file, bytes) -> seen.put(file + " after a checkpoint", bytes));
            assertThat(seen.entrySet()).filteredOn(e -> e.getValue().contains(SECRET)).extracting(Map.Entry::getKey)
                    .as("where the secret is in clear").isEmpty();

            // each way of printing it really reached the log, masked
            String logs = seen.get("GET /logs.txt");
            assertThat(logs).contains("plain ***", "error ***", "*** tail", "file-***.txt");
            assertThat(job.get("outputs").has("***")).as(job.get("outputs").toString()).isTrue();
            assertThat(seen.get("GET /events")).contains("in *** list", "\"***\":1", "\"kind\":\"***\"");
            assertThat(seen.get("GET /artifacts")).contains("dist/file-***.txt");
        }
    }

    /** The raw bytes of the database files, as ISO-8859-1 text: one char per byte, so a search finds any bytes. */
    static Map<String, String> databaseFiles(Path dataDir) throws Exception {
        var files = new LinkedHashMap<String, String>();
        for (String name : List.of("kiln.db", "kiln.db-wal", "kiln.db-shm")) {
            Path file = dataDir.resolve(name);
            if (Files.exists(file)) files.put(name, new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
        }
        return files;
    }

    /** Moves the write-ahead log into the main file, as SQLite does by itself from time to time. */
    static void checkpoint(Path dataDir) throws Exception {
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("kiln.db"));
             var s = c.createStatement()) {
            s.execute("PRAGMA wal_checkpoint(FULL)");
        }
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The raw data of every SSE event until one named {@code last}. */
    static String sse(KilnTestServer kiln, String path, String last) {
        var all = new CopyOnWriteArrayList<String>();
        try {
            SseClient.read(kiln.server.baseUrl() + path, kiln.api.token(), null, e -> {
                all.add(e.name() + " " + e.data());
                return !e.name().equals(last);
            });
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
        return all.toString();
    }

    static LiveStreamsIT.WsCollector webSocket(KilnTestServer kiln, String jobId) throws Exception {
        var c = new LiveStreamsIT.WsCollector();
        HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create((kiln.server.baseUrl() + "/api/v1/jobs/" + jobId + "/events/ws?token=" + kiln.api.token())
                        .replace("http", "ws")), c)
                .get(10, TimeUnit.SECONDS);
        return c;
    }
}
