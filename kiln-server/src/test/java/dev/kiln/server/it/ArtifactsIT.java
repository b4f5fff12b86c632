package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifacts: uploaded by the agent after the job, streamed, content-addressed, listed and downloadable. */
class ArtifactsIT {
    @TempDir
    Path dir;

    @Test
    void a200MegabyteArtifactUploadsAndItsHashMatches() throws Exception {
        // the upload is streamed; the heap it grows by is a figure: kiln-bench --scenario artifact
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 2)) {
            Api api = kiln.api;
            String id = api.submit(Map.of("command", "mkdir -p dist && head -c 200000000 /dev/urandom > big.bin && "
                            + "sha256sum big.bin | cut -d' ' -f1 > dist/big.sha256 && echo hello > dist/notes.txt",
                    "artifacts", List.of("big.bin", "dist/*"))).get("id").asText();
            JsonNode job = api.awaitStatus(id, Duration.ofSeconds(120), "succeeded", "failed");
            assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("succeeded");

            JsonNode list = api.get("/api/v1/jobs/" + id + "/artifacts").json().get("artifacts");
            assertThat(list).extracting(a -> a.get("name").asText()).containsExactly("big.bin", "dist/big.sha256", "dist/notes.txt");
            JsonNode big = list.get(0);
            assertThat(big.get("size").asLong()).isEqualTo(200_000_000L);

            Path workspaceSha = dir.resolve("data/agent/workspaces/" + id + "-1/dist/big.sha256");
            String expected = Files.readString(workspaceSha).strip();
            assertThat(big.get("sha256").asText()).isEqualTo(expected);

            var http = HttpClient.newHttpClient();
            var download = http.send(HttpRequest.newBuilder(URI.create(kiln.server.baseUrl() + big.get("download_url").asText()))
                            .header("Authorization", "Bearer " + api.token()).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(download.statusCode()).isEqualTo(200);
            var sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (InputStream in = download.body()) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    size += n;
                }
            }
            assertThat(size).isEqualTo(200_000_000L);
            assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(expected);
            assertThat(api.get("/api/v1/jobs/" + id + "/artifacts/dist/notes.txt").body()).isEqualTo("hello\n");
            assertThat(api.get("/api/v1/jobs/" + id + "/artifacts/nope.txt").status()).isEqualTo(404);
            var kinds = api.get("/api/v1/jobs/" + id + "/events").json().get("events").findValuesAsText("kind");
            assertThat(kinds.stream().filter("job.artifact"::equals)).hasSize(3);
        }
    }

    @Test
    void aPatternWithNoMatchWarnsAndBadUploadsAreRefused() throws Exception {
        try (var kiln = KilnTestServer.start(dir.resolve("data2"), 1)) {
            Api api = kiln.api;
            String id = api.submit(Map.of("command", "true", "artifacts", List.of("missing/*.jar"))).get("id").asText();
            api.awaitStatus(id, Duration.ofSeconds(30), "succeeded");
            assertThat(api.allLogLines(id, 1)).anySatisfy(l ->
                    assertThat(l.get("text").asText()).contains("no file matches artifact pattern missing/*.jar"));
            Api agent = api.withToken(api.createToken("uploader", "agent"));
            assertThat(api.send("PUT", "/api/v1/agent/jobs/" + id + "/artifacts?attempt=1&name=a.txt", "application/octet-stream", "x")
                    .status()).as("an admin token is not an agent token").isEqualTo(403);
            var bad = agent.send("PUT", "/api/v1/agent/jobs/" + id + "/artifacts?attempt=1&name=../../etc/passwd",
                    "application/octet-stream", "x");
            assertThat(bad.status()).isEqualTo(400);
            var noAttempt = agent.send("PUT", "/api/v1/agent/jobs/" + id + "/artifacts?name=a.txt", "application/octet-stream", "x");
            assertThat(noAttempt.status()).isEqualTo(400);
            var wrongAttempt = agent.send("PUT", "/api/v1/agent/jobs/" + id + "/artifacts?attempt=5&name=a.txt", "application/octet-stream", "x");
            assertThat(wrongAttempt.status()).isEqualTo(404);
        }
    }
}
