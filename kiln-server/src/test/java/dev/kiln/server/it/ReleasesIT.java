package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Promoting a job to a release (seed 004): versions count up per name, promoting the same job again under a name
 * answers the same release, releases never change, and every download matches the SHA-256 the release lists (the
 * manifest's own hash is the release's one checksum).
 */
class ReleasesIT extends OneServerPerClass {
    static String succeeded(String command) {
        String id = api.submit(Map.of("name", "pipeline", "command", command, "artifacts", List.of("dist/**"))).get("id").asText();
        JsonNode done = api.awaitStatus(id, Duration.ofSeconds(60), "succeeded", "failed");
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        return id;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    byte[] download(String path) throws Exception {
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(kiln.server.baseUrl() + path))
                .header("Authorization", "Bearer " + api.token()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    @Test
    void promotingTwiceIsIdempotentVersionsCountUpAndDownloadsMatchTheirHashes() throws Exception {
        String first = succeeded("mkdir -p dist/model && head -c 300000 /dev/urandom > dist/model/weights.bin && echo ok > dist/report.csv");
        var made = api.post("/api/v1/jobs/" + first + "/promote", Map.of("name", "churn-model"));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        JsonNode release = made.json();
        assertThat(release.get("version").asText()).isEqualTo("1");
        assertThat(release.get("job_id").asText()).isEqualTo(first);
        assertThat(release.get("promoted_by").asText()).isNotBlank();
        assertThat(release.get("files")).extracting(f -> f.get("path").asText())
                .containsExactly("dist/model/weights.bin", "dist/report.csv");

        // the same job under the same name: the same release, not a second one
        var again = api.post("/api/v1/jobs/" + first + "/promote", Map.of("name", "churn-model"));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(release);
        var otherVersion = api.post("/api/v1/jobs/" + first + "/promote", Map.of("name", "churn-model", "version", "7"));
        assertThat(otherVersion.status()).isEqualTo(409);

        // every file downloads with the hash the release lists; the manifest's hash is the release's checksum
        for (JsonNode f : release.get("files")) {
            byte[] bytes = download(f.get("download_url").asText());
            assertThat(bytes.length).isEqualTo(f.get("size").asInt());
            assertThat(sha256(bytes)).isEqualTo(f.get("sha256").asText());
        }
        byte[] manifest = download(release.get("manifest_url").asText());
        assertThat(sha256(manifest)).isEqualTo(release.get("manifest_sha256").asText());
        assertThat(new String(manifest, StandardCharsets.UTF_8)).isEqualTo(
                release.get("files").get(0).get("sha256").asText() + "  dist/model/weights.bin\n"
                        + release.get("files").get(1).get("sha256").asText() + "  dist/report.csv\n");
        assertThat(api.get("/api/v1/releases/churn-model/1").json()).isEqualTo(release);
        assertThat(api.job(first).get("releases")).extracting(r -> r.get("version").asText()).containsExactly("1");

        // the next job under that name is version 2; a version given that exists is refused (releases never change)
        String second = succeeded("mkdir -p dist && echo two > dist/report.csv");
        assertThat(api.post("/api/v1/jobs/" + second + "/promote", Map.of("name", "churn-model", "version", "1")).status())
                .isEqualTo(409);
        JsonNode v2 = api.post("/api/v1/jobs/" + second + "/promote", Map.of("name", "churn-model")).json();
        assertThat(v2.get("version").asText()).isEqualTo("2");
        assertThat(api.get("/api/v1/releases?name=churn-model").json().get("releases"))
                .extracting(r -> r.get("version").asText()).containsExactly("2", "1");
        assertThat(api.get("/api/v1/releases/churn-model/1").json()).isEqualTo(release);
    }

    @Test
    void onlyASucceededJobWithArtifactsIsPromotedAndBadNamesSayWhatToFix() {
        String failed = api.submit(Map.of("command", "exit 1")).get("id").asText();
        api.awaitStatus(failed, Duration.ofSeconds(30), "failed");
        var r = api.post("/api/v1/jobs/" + failed + "/promote", Map.of("name", "x"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("detail").asText()).contains("only a succeeded job can be promoted");

        String nothing = api.submit(Map.of("command", "true")).get("id").asText();
        api.awaitStatus(nothing, Duration.ofSeconds(30), "succeeded");
        r = api.post("/api/v1/jobs/" + nothing + "/promote", Map.of("name", "x"));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.json().get("detail").asText()).contains("kept no artifacts");

        r = api.post("/api/v1/jobs/" + nothing + "/promote", Map.of("name", "../etc"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(api.get("/api/v1/releases/none/1").status()).isEqualTo(404);
    }
}
