package dev.kiln.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.SecretKeyException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets at rest: sealed with the data dir's key, clear rows of older versions sealed by V6, a lost key said at start. */
class SealedSecretsTest {
    static final String SECRET = "hunter2-at-rest";

    @TempDir
    Path dir;

    private String url() {
        return "jdbc:sqlite:" + dir.resolve("kiln.db").toAbsolutePath();
    }

    private static Job job(Map<String, String> secrets) {
        var spec = new JobSpec("j", "build", "true", null, null, null, null, null, Map.of(), Map.of(), secrets, 0, 60, 10,
                RetryPolicy.NONE, List.of(), false);
        return Job.newlySubmitted(JobIds.next(), spec, null, Instant.now());
    }

    private String column(String jobId) {
        return Jdbi.create(url()).withHandle(h -> h.createQuery("SELECT secrets FROM jobs WHERE id = :id").bind("id", jobId)
                .mapTo(String.class).one());
    }

    private void assertNotInDatabaseFiles() throws Exception {
        for (String name : List.of("kiln.db", "kiln.db-wal", "kiln.db-shm")) {
            Path file = dir.resolve(name);
            if (Files.exists(file)) {
                assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).as(name).doesNotContain(SECRET);
            }
        }
    }

    @Test
    void aNewJobsSecretsAreSealedAndOnlyTheStoreOpensThem() throws Exception {
        Job job = job(Map.of("TOKEN", SECRET));
        try (var store = new SqliteStore(dir, new EventBus())) {
            store.write(tx -> tx.insertJob(job)).join();
            assertThat(store.secrets(job.id())).isEqualTo(Map.of("TOKEN", SECRET));
        }
        assertThat(column(job.id())).startsWith("aesgcm1:").doesNotContain(SECRET);
        assertThat(Files.getPosixFilePermissions(dir.resolve(SecretCipher.KEY_FILE)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertNotInDatabaseFiles();
    }

    @Test
    void clearSecretsOfAnOlderVersionAreSealedByTheMigrationAndKept() throws Exception {
        Flyway.configure().dataSource(url(), null, null).locations("classpath:db/migration/sqlite").target("4").load().migrate();
        Job old = job(Map.of());
        Jdbi.create(url()).useHandle(h -> h.createUpdate("""
                INSERT INTO jobs (id, name, type, status, priority, spec, secrets, attempt, created_at, updated_at)
                VALUES (:id, 'old', 'build', 'queued', 0, :spec, :secrets, 0, 1, 1)""")
                .bind("id", old.id()).bind("spec", Rows.toJson(old.spec().snapshot()))
                .bind("secrets", Rows.toJson(Map.of("TOKEN", SECRET))).execute());

        try (var store = new SqliteStore(dir, new EventBus())) {
            assertThat(store.secrets(old.id())).isEqualTo(Map.of("TOKEN", SECRET));
            assertNotInDatabaseFiles();
        }
        assertThat(column(old.id())).startsWith("aesgcm1:");
    }

    @Test
    void aMissingOrDifferentKeyStopsTheStartWithWhatToDo() throws Exception {
        Job job = job(Map.of("TOKEN", SECRET));
        try (var store = new SqliteStore(dir, new EventBus())) {
            store.write(tx -> tx.insertJob(job)).join();
        }
        Path key = dir.resolve(SecretCipher.KEY_FILE);
        Path saved = dir.resolve("saved.key");
        Files.move(key, saved);
        assertThatThrownBy(() -> new SqliteStore(dir, new EventBus())).isInstanceOf(SecretKeyException.class)
                .hasMessageContaining(key.toString()).hasMessageContaining("missing").hasMessageContaining("Restore");
        assertThat(key).doesNotExist();

        new SecretCipher(key).key(); // another key
        assertThatThrownBy(() -> new SqliteStore(dir, new EventBus())).isInstanceOf(SecretKeyException.class)
                .hasMessageContaining("not sealed with the key in " + key);

        Files.move(saved, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (var store = new SqliteStore(dir, new EventBus())) {
            assertThat(store.secrets(job.id())).isEqualTo(Map.of("TOKEN", SECRET));
        }
    }

    @Test
    void aSealedValueDoesNotOpenForAnotherJob() {
        var cipher = SecretCipher.inDataDir(dir);
        String sealed = cipher.seal(SECRET, "job-a");
        assertThat(cipher.open(sealed, "job-a")).isEqualTo(SECRET);
        assertThatThrownBy(() -> cipher.open(sealed, "job-b")).isInstanceOf(SecretKeyException.class);
    }
}
