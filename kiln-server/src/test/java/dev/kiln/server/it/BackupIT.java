package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.Restore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup taken while jobs log and upload artifacts, restored into a new data dir, on which a new server starts:
 * every job finished before the backup is there, with every line and every artifact, hashes matching.
 */
class BackupIT {
    @TempDir
    Path dir;

    static final String WORK = "for i in $(seq 1 200); do echo \"$KILN_JOB_ID line $i\"; done; "
            + "head -c 100000 /dev/urandom > blob.bin; echo $KILN_JOB_ID > id.txt";

    @Test
    void aBackupUnderLoadRestoresEveryFinishedJobWithItsLinesAndArtifacts() throws Exception {
        Path backup = dir.resolve("kiln-backup.zip");
        var finished = new ArrayList<String>();
        var expected = new java.util.HashMap<String, Snapshot>();
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 4)) {
            Api api = kiln.api;
            for (int i = 0; i < 6; i++) finished.add(submit(api));
            for (String id : finished) api.awaitStatus(id, Duration.ofSeconds(120), "succeeded");

            // load while the backup is taken: jobs keep logging and uploading
            var load = new AtomicBoolean(true);
            var during = new ArrayList<String>();
            Thread submitter = Thread.ofVirtual().start(() -> {
                while (load.get()) {
                    during.add(submit(api));
                    if (during.size() > 40) return;
                }
            });
            org.awaitility.Awaitility.await().until(() -> during.size() >= 4);
            for (String id : finished) expected.put(id, Snapshot.of(api, id));

            var http = HttpClient.newHttpClient();
            var response = http.send(HttpRequest.newBuilder(URI.create(kiln.server.baseUrl() + "/api/v1/admin/backup"))
                    .header("Authorization", "Bearer " + api.token()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofFile(backup));
            load.set(false);
            submitter.join();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/zip");
            for (String id : during) api.awaitStatus(id, Duration.ofSeconds(120), "succeeded", "failed", "cancelled");
        }

        Path restored = dir.resolve("restored");
        var result = Restore.run(backup, restored);
        assertThat(result.jobs()).isGreaterThanOrEqualTo(finished.size());
        assertThat(restored.resolve("secrets.key")).exists();

        try (var kiln = KilnTestServer.start(restored, 1)) {
            for (String id : finished) {
                assertThat(Snapshot.of(kiln.api, id)).as("job %s after the restore", id).isEqualTo(expected.get(id));
                for (var artifact : expected.get(id).artifacts().entrySet()) {
                    var body = download(kiln, id, artifact.getKey());
                    assertThat(sha256(body)).as(artifact.getKey()).isEqualTo(artifact.getValue());
                }
            }
        }
    }

    @Test
    void restoreRefusesADataDirThatIsNotEmptyAndAFileThatIsNotABackup() throws Exception {
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("kiln.db"), "mine");
        Path notZip = Files.writeString(dir.resolve("not-a-backup.zip"), "hello");
        assertThatThrownBy(() -> Restore.run(notZip, full)).hasMessageContaining("is not empty");
        assertThatThrownBy(() -> Restore.run(notZip, dir.resolve("fresh"))).hasMessageContaining("not a Kiln backup");
        assertThatThrownBy(() -> Restore.run(dir.resolve("missing.zip"), dir.resolve("fresh2"))).hasMessageContaining("no backup file");
    }

    private static String submit(Api api) {
        return api.submit(Map.of("command", WORK, "artifacts", List.of("blob.bin", "id.txt"))).get("id").asText();
    }

    /** What a finished job shows: status, every line, artifacts by name with their SHA-256. */
    record Snapshot(String status, List<String> lines, Map<String, String> artifacts) {
        static Snapshot of(Api api, String id) {
            JsonNode job = api.job(id);
            var lines = api.allLogLines(id, 1).stream().map(l -> l.get("text").asText()).toList();
            var artifacts = new java.util.TreeMap<String, String>();
            api.get("/api/v1/jobs/" + id + "/artifacts").json().get("artifacts")
                    .forEach(a -> artifacts.put(a.get("name").asText(), a.get("sha256").asText()));
            return new Snapshot(job.get("status").asText(), lines, artifacts);
        }
    }

    private static byte[] download(KilnTestServer kiln, String id, String name) throws Exception {
        var r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(kiln.server.baseUrl() + "/api/v1/jobs/" + id + "/artifacts/" + name))
                .header("Authorization", "Bearer " + kiln.api.token()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
