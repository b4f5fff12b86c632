package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File inputs (seed 004): a submit as multipart/form-data stores each file by content, streamed (a 500 MB file goes
 * through a server whose whole heap is 96 MiB), lists it on the job with its SHA-256, places it in the workspace
 * before the command, and a re-run gets the same bytes. Too large is a 413; a malformed upload a 400 saying why.
 */
class InputsIT {
    static final String BOUNDARY = "kiln-test-boundary-7d1e";

    @TempDir
    Path dir;

    /** A multipart part: a name, an optional file name, and the body (bytes or a file, streamed). */
    record Part(String name, String fileName, HttpRequest.BodyPublisher body) {
        static Part spec(String json) {
            return new Part("spec", null, HttpRequest.BodyPublishers.ofString(json));
        }

        static Part file(String path, Path file) throws IOException {
            return new Part("input", path, HttpRequest.BodyPublishers.ofFile(file));
        }
    }

    static Api.Response submit(Api api, List<Part> parts) throws Exception {
        var publishers = new ArrayList<HttpRequest.BodyPublisher>();
        for (Part p : parts) {
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + p.name() + "\""
                    + (p.fileName() == null ? "\r\nContent-Type: application/json"
                    : "; filename=\"" + p.fileName() + "\"\r\nContent-Type: application/octet-stream") + "\r\n\r\n";
            publishers.add(HttpRequest.BodyPublishers.ofString(head));
            publishers.add(p.body());
            publishers.add(HttpRequest.BodyPublishers.ofString("\r\n"));
        }
        publishers.add(HttpRequest.BodyPublishers.ofString("--" + BOUNDARY + "--\r\n"));
        var request = HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs"))
                .header("Authorization", "Bearer " + api.token())
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .timeout(Duration.ofMinutes(5))
                .POST(HttpRequest.BodyPublishers.concat(publishers.toArray(HttpRequest.BodyPublisher[]::new))).build();
        var r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        return new Api.Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    /** Writes {@code size} pseudo-random bytes (seeded) to {@code file}; returns their SHA-256. */
    static String randomFile(Path file, long size) throws Exception {
        var sha = MessageDigest.getInstance("SHA-256");
        var random = new Random(42);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buf.length) {
                random.nextBytes(buf);
                int n = (int) Math.min(buf.length, left);
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static List<String> stdout(Api api, String id) {
        return api.allLogLines(id, 1).stream().filter(l -> l.get("stream").asText().equals("STDOUT"))
                .map(l -> l.get("text").asText()).toList();
    }

    @Test
    void a500MegabyteInputStreamsThroughA96MebibyteHeapIsListedPlacedAndReusedByARerun() throws Exception {
        Path big = dir.resolve("big.bin");
        long size = 500_000_000L;
        String sha = randomFile(big, size);
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "id,value\n1,2\n");

        try (var server = ServerProcess.launch(dir.resolve("server"), 1, List.of("-Xmx96m"))) {
            Api api = server.api();
            var made = submit(api, List.of(
                    Part.spec("{\"name\": \"train\", \"command\": \"sha256sum data/big.bin data.csv && wc -c < data/big.bin\"}"),
                    Part.file("data/big.bin", big), Part.file("data.csv", csv)));
            assertThat(made.status()).as(made.body()).isEqualTo(201);
            String id = made.json().get("id").asText();

            JsonNode done = api.awaitStatus(id, Duration.ofSeconds(180), "succeeded", "failed");
            assertThat(done.get("status").asText()).as(api.allLogLines(id, 1).toString()).isEqualTo("succeeded");
            String csvSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(csv)));
            assertThat(stdout(api, id)).containsExactly(sha + "  data/big.bin", csvSha + "  data.csv", Long.toString(size));

            JsonNode inputs = api.job(id).get("config").get("input_files");
            assertThat(inputs).extracting(i -> i.get("path").asText() + " " + i.get("size").asLong() + " " + i.get("sha256").asText())
                    .containsExactly("data/big.bin " + size + " " + sha, "data.csv " + csv.toFile().length() + " " + csvSha);

            // a re-run gets the very same files, without uploading them again
            String rerun = api.post("/api/v1/jobs/" + id + "/rerun", "").json().get("id").asText();
            JsonNode again = api.awaitStatus(rerun, Duration.ofSeconds(180), "succeeded", "failed");
            assertThat(again.get("status").asText()).isEqualTo("succeeded");
            assertThat(stdout(api, rerun)).containsExactly(sha + "  data/big.bin", csvSha + "  data.csv", Long.toString(size));
            assertThat(api.job(rerun).get("config").get("input_files")).isEqualTo(inputs);

            // the server kept a working heap the whole time (with -Xmx96m a 500 MB body held in memory fails it)
            assertThat(api.get("/health/ready").status()).isEqualTo(200);
            System.out.println("[InputsIT] server heap after a 500 MB upload, its job and a re-run: "
                    + heapUsed(api.get("/metrics").body()) + " bytes used (-Xmx96m)");
        }
    }

    /** The sum of the heap pools' used bytes from the Prometheus text. */
    static long heapUsed(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void anInputOverTheLimitIsA413AndMalformedUploadsSayWhatToFix() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 1, c -> c.withMaxInputBytes(1_000_000))) {
            Api api = kiln.api;
            Path over = dir.resolve("over.bin");
            randomFile(over, 2_000_000);
            Path small = dir.resolve("small.txt");
            Files.writeString(small, "hello\n");
            String spec = "{\"command\": \"cat small.txt\"}";

            var tooLarge = submit(api, List.of(Part.spec(spec), Part.file("over.bin", over)));
            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(tooLarge.contentType()).startsWith("application/problem+json");
            assertThat(tooLarge.json().get("detail").asText()).contains("larger than 1000000 bytes");

            var fileFirst = submit(api, List.of(Part.file("small.txt", small), Part.spec(spec)));
            assertThat(fileFirst.status()).isEqualTo(400);
            assertThat(fileFirst.json().get("detail").asText()).contains("'spec' part before the 'input' parts");
            var escaping = submit(api, List.of(Part.spec(spec), Part.file("../small.txt", small)));
            assertThat(escaping.status()).isEqualTo(400);
            assertThat(escaping.json().get("detail").asText()).contains("relative path inside the workspace");
            var badSpec = submit(api, List.of(Part.spec("{\"command\": 7}"), Part.file("small.txt", small)));
            assertThat(badSpec.status()).isEqualTo(400);
            assertThat(badSpec.json().get("errors").get(0).get("field").asText()).isEqualTo("command");
            var noSpec = submit(api, List.of());
            assertThat(noSpec.status()).isEqualTo(400);
            assertThat(api.get("/api/v1/jobs").json().get("jobs")).isEmpty();

            var ok = submit(api, List.of(Part.spec(spec), Part.file("small.txt", small)));
            assertThat(ok.status()).as(ok.body()).isEqualTo(201);
            String id = ok.json().get("id").asText();
            api.awaitStatus(id, Duration.ofSeconds(30), "succeeded");
            assertThat(stdout(api, id)).containsExactly("hello");
            assertThat(api.get("/api/v1/jobs/" + id + "/inputs/small.txt").body()).isEqualTo("hello\n");
            assertThat(new String(Files.readAllBytes(small), StandardCharsets.UTF_8)).isEqualTo("hello\n");
        }
    }
}
