package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.Artifact;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.EventBus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What retention, backup and readiness ask of a store: finished jobs by age, deleting them, space, snapshots, health. */
public interface RetentionContract extends StoreFixture {

    /** Opens a store on a directory {@link Store#backupTo} wrote (with this store's secrets key). */
    Store openBackup(Path dir, EventBus bus);

    /** A job that ran one attempt with a log of {@code lines} lines and finished {@code status} at {@code finished}. */
    default Job finishedJob(String name, JobStatus status, Instant finished, int lines) {
        Job job = insert(name);
        Job done = job.assigned("agent-1", finished.minusSeconds(2)).started(finished.minusSeconds(1))
                .finished(status, 0, null, finished);
        run(tx -> {
            tx.insertAttempt(Attempt.assigned(job.id(), 1, "agent-1", finished.minusSeconds(2)));
            tx.updateJob(done);
            tx.appendEvent(note(job.id(), "job.finished"));
            var log = new ArrayList<LogLine>();
            for (int i = 1; i <= lines; i++) log.add(new LogLine(i, LogStream.STDOUT, name + " line " + i + " ".repeat(100)));
            if (lines > 0) tx.appendLogChunk(job.id(), 1, 1, log);
        });
        return done;
    }

    @Test
    default void finishedJobsAreTheTerminalOnesBeforeATimeOldestFirstWithWhatTheyHold() {
        Job newer = finishedJob("newer", JobStatus.FAILED, at(-100), 3);
        Job older = finishedJob("older", JobStatus.SUCCEEDED, at(-200), 10);
        Job recent = finishedJob("recent", JobStatus.SUCCEEDED, at(-10), 1);
        insert("still queued");
        run(tx -> tx.upsertArtifact(new Artifact(older.id(), 1, "a.bin", 1234, "sha-1", at(-200))));

        var found = store().finishedJobs(at(-50), null, 0, 10);
        assertThat(found).extracting(FinishedJob::id).containsExactly(older.id(), newer.id());
        FinishedJob first = found.getFirst();
        assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(first.finishedAt()).isEqualTo(older.finishedAt());
        assertThat(first.seq()).isEqualTo(older.seq());
        assertThat(first.artifacts()).isEqualTo(1);
        assertThat(first.artifactBytes()).isEqualTo(1234);
        assertThat(first.logBytes()).as("a log of 10 long lines takes room").isGreaterThan(found.get(1).logBytes()).isGreaterThan(0);
        assertThat(first.logsPruned()).isFalse();

        // the cursor continues after the last one seen; a limit cuts the page
        assertThat(store().finishedJobs(at(0), null, 0, 1)).extracting(FinishedJob::id).containsExactly(older.id());
        assertThat(store().finishedJobs(at(0), first.finishedAt(), first.seq(), 10)).extracting(FinishedJob::id)
                .containsExactly(newer.id(), recent.id());
    }

    @Test
    default void deleteJobRemovesAllItHoldsAndNamesTheContentsNoRowPointsTo() {
        Job gone = finishedJob("gone", JobStatus.SUCCEEDED, at(-100), 5);
        Job kept = finishedJob("kept", JobStatus.SUCCEEDED, at(-100), 5);
        run(tx -> {
            tx.upsertArtifact(new Artifact(gone.id(), 1, "shared.bin", 10, "sha-shared", at(0)));
            tx.upsertArtifact(new Artifact(gone.id(), 1, "own.bin", 10, "sha-own", at(0)));
            tx.upsertArtifact(new Artifact(kept.id(), 1, "shared.bin", 10, "sha-shared", at(0)));
        });

        List<String> unreferenced = write(tx -> tx.deleteJob(gone.id()));

        assertThat(unreferenced).containsExactly("sha-own");
        assertThat(store().job(gone.id())).isEmpty();
        assertThat(store().attempts(gone.id())).isEmpty();
        assertThat(store().logLines(gone.id(), 1, 0, 100)).isEmpty();
        assertThat(store().jobEvents(gone.id(), 0, 100)).isEmpty();
        assertThat(store().artifacts(gone.id())).isEmpty();
        assertThat(store().jobIdsStartingWith(gone.id(), 2)).isEmpty();
        assertThat(store().artifactContentInUse("sha-own")).isFalse();
        assertThat(store().artifactContentInUse("sha-shared")).isTrue();
        // the other job is whole
        assertThat(store().logLines(kept.id(), 1, 0, 100)).hasSize(5);
        assertThat(store().jobEvents(kept.id(), 0, 100)).hasSize(1);
        assertThat(store().artifacts(kept.id())).hasSize(1);
    }

    @Test
    default void deleteArtifactsRemovesTheRowsOnlyAndKeepsSharedContents() {
        Job a = finishedJob("a", JobStatus.SUCCEEDED, at(-100), 1);
        Job b = finishedJob("b", JobStatus.SUCCEEDED, at(-100), 1);
        run(tx -> {
            tx.upsertArtifact(new Artifact(a.id(), 1, "x", 1, "sha-x", at(0)));
            tx.upsertArtifact(new Artifact(a.id(), 1, "y", 1, "sha-y", at(0)));
            tx.upsertArtifact(new Artifact(b.id(), 1, "x", 1, "sha-x", at(0)));
        });
        List<String> ofA = write(tx -> tx.deleteArtifacts(a.id()));
        assertThat(ofA).containsExactly("sha-y");
        assertThat(store().artifacts(a.id())).isEmpty();
        assertThat(store().job(a.id())).isPresent();
        assertThat(store().logLines(a.id(), 1, 0, 10)).hasSize(1);
        List<String> ofB = write(tx -> tx.deleteArtifacts(b.id()));
        assertThat(ofB).containsExactly("sha-x");
        assertThat(store().artifactContentInUse("sha-x")).isFalse();
    }

    @Test
    default void deleteLogsKeepsTheJobAndRecordsWhenItsLogWent() {
        Job job = finishedJob("logs", JobStatus.SUCCEEDED, at(-100), 7);
        assertThat(store().logsPrunedAt(job.id())).isEmpty();
        Instant when = at(0);
        int chunks = write(tx -> tx.deleteLogs(job.id(), when));
        assertThat(chunks).isEqualTo(1);
        assertThat(store().logLines(job.id(), 1, 0, 100)).isEmpty();
        assertThat(store().logsPrunedAt(job.id())).contains(when);
        assertThat(store().job(job.id())).isPresent();
        assertThat(store().attempts(job.id())).hasSize(1);
        assertThat(store().finishedJobs(at(1), null, 0, 10)).singleElement()
                .satisfies(f -> assertThat(f.logsPruned()).isTrue()).satisfies(f -> assertThat(f.logBytes()).isZero());
        assertThat(store().logsPrunedAt("no-such-job")).isEmpty();
    }

    @Test
    default void dataBytesFollowTheDataAndReclaimingSpaceKeepsWhatRemains() {
        long empty = store().dataBytes();
        var jobs = new ArrayList<Job>();
        for (int i = 0; i < 20; i++) jobs.add(finishedJob("big-" + i, JobStatus.SUCCEEDED, at(-100), 500));
        long full = store().dataBytes();
        assertThat(full).isGreaterThan(empty + 20 * 500 * 100);

        for (Job j : jobs.subList(0, 19)) run(tx -> tx.deleteJob(j.id()));
        store().reclaimSpace();
        assertThat(store().dataBytes()).isLessThan(full - 19 * 500 * 100);
        assertThat(store().logLines(jobs.getLast().id(), 1, 0, 1000)).hasSize(500);
        reopen();
        assertThat(store().logLines(jobs.getLast().id(), 1, 0, 1000)).hasSize(500);
    }

    @Test
    default void backupToWritesASnapshotAStoreOpensWithTheSameData(@TempDir Path backupDir) {
        Job job = finishedJob("backed up", JobStatus.SUCCEEDED, at(-10), 42);
        run(tx -> tx.upsertArtifact(new Artifact(job.id(), 1, "a.bin", 3, "sha-a", at(0))));
        store().backupTo(backupDir);
        Job after = insert("after the backup");

        try (Store copy = openBackup(backupDir, new EventBus())) {
            assertThat(copy.job(job.id())).contains(job);
            assertThat(copy.secrets(job.id())).isEqualTo(store().secrets(job.id()));
            assertThat(copy.logLines(job.id(), 1, 0, 100)).isEqualTo(store().logLines(job.id(), 1, 0, 100));
            assertThat(copy.artifacts(job.id())).isEqualTo(store().artifacts(job.id()));
            assertThat(copy.jobEvents(job.id(), 0, 10)).isEqualTo(store().jobEvents(job.id(), 0, 10));
            assertThat(copy.job(after.id())).isEmpty();
        }
    }

    @Test
    default void aFreshStoreIsReachableAndMigrated() {
        StoreHealth health = store().health();
        assertThat(health.reachable()).isTrue();
        assertThat(health.migrated()).as(health.migrationDetail()).isTrue();
        closeStore();
    }
}
