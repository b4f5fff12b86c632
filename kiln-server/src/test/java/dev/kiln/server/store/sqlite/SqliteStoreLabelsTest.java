package dev.kiln.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.JobQuery;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labels in their own table (V4): existing jobs migrate, and the label filter stays an index walk. */
class SqliteStoreLabelsTest {
    @TempDir
    Path dir;

    private static JobSpec spec(String name, String arch, Map<String, String> labels) {
        return new JobSpec(name, "build", "true", null, null, null, arch, null, labels, Map.of(), Map.of(), 0, 60, 10,
                RetryPolicy.NONE, List.of(), false);
    }

    private String url() {
        return "jdbc:sqlite:" + dir.resolve("kiln.db").toAbsolutePath();
    }

    private static List<String> names(SqliteStore store, String label) {
        return store.jobs(new JobQuery(Set.of(), null, label, null, 0, 50)).items().stream().map(j -> j.spec().name()).toList();
    }

    /** Jobs stored before V4, with the old ' k=v ' column, get their label rows from their spec. */
    @Test
    void existingJobsKeepTheirLabelsThroughTheMigration() {
        Flyway.configure().dataSource(url(), null, null).locations("classpath:db/migration/sqlite").target("3").load().migrate();
        var old = List.of(spec("arm", "arm64", Map.of("os", "linux")), spec("plain", null, Map.of()),
                spec("arch-label", null, Map.of("arch", "riscv", "note", "two words")),
                spec("both", "x86_64", Map.of("arch", "ignored", "pool", "gpu")));
        Jdbi.create(url()).useHandle(h -> {
            for (JobSpec s : old) {
                Job j = Job.newlySubmitted(JobIds.next(), s, null, Instant.now());
                var labels = new StringBuilder(" ");
                s.requirements().forEach((k, v) -> labels.append(k).append('=').append(v).append(' '));
                h.createUpdate("""
                        INSERT INTO jobs (id, name, type, status, priority, spec, labels, attempt, created_at, updated_at)
                        VALUES (:id, :name, 'build', 'queued', 0, :spec, :labels, 0, 1, 1)""")
                        .bind("id", j.id()).bind("name", s.name()).bind("spec", Rows.toJson(s.snapshot()))
                        .bind("labels", labels.toString()).execute();
            }
        });

        try (var store = new SqliteStore(dir, new EventBus())) {
            assertThat(names(store, "arch=arm64")).containsExactly("arm");
            assertThat(names(store, "os=linux")).containsExactly("arm");
            assertThat(names(store, "arch=riscv")).containsExactly("arch-label");
            assertThat(names(store, "note=two words")).containsExactly("arch-label");
            assertThat(names(store, "arch=x86_64")).containsExactly("both");
            assertThat(names(store, "arch=ignored")).isEmpty();
            assertThat(names(store, "pool=gpu")).containsExactly("both");
            assertThat(store.countByStatus()).containsEntry(JobStatus.QUEUED, 4L);
        }
        var labelRows = Jdbi.create(url()).withHandle(h -> h.createQuery("SELECT count(*) FROM job_labels").mapTo(Long.class).one());
        assertThat(labelRows).isEqualTo(6);
    }

    /** The label filter walks job_labels' key newest first: no scan of jobs, no sort, whatever else is asked. */
    @Test
    void theLabelFilterIsAnIndexWalk() {
        try (var store = new SqliteStore(dir, new EventBus())) {
            store.write(tx -> tx.insertJob(Job.newlySubmitted(JobIds.next(), spec("a", "arm64", Map.of()), null, Instant.now()))).join();
        }
        var queries = List.of(
                new JobQuery(Set.of(), null, "arch=arm64", null, 0, 50),
                new JobQuery(Set.of(), null, "arch=arm64", null, 1_000, 50),
                new JobQuery(Set.of(JobStatus.QUEUED, JobStatus.RUNNING), null, "arch=arm64", null, 0, 50),
                new JobQuery(Set.of(JobStatus.QUEUED), "build", "arch=arm64", "needle", 1_000, 50));
        Jdbi.create(url()).useHandle(h -> {
            for (JobQuery q : queries) {
                List<String> plan = JobListing.plan(h, q);
                assertThat(plan).as("plan of %s", q).anyMatch(step -> step.startsWith("SEARCH label USING PRIMARY KEY (key=? AND value=?"))
                        .anyMatch(step -> step.startsWith("SEARCH jobs USING INTEGER PRIMARY KEY"))
                        .noneMatch(step -> step.contains("TEMP B-TREE") || step.startsWith("SCAN"));
            }
            assertThat(JobListing.plan(h, queries.get(1))).anyMatch(step -> step.contains("job_seq<?"));
        });
    }
}
