package dev.kiln.server.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreContractTest;
import java.nio.file.Path;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL store against the shared contract, on a real PostgreSQL: a new database for each test. Two cases
 * differ, on purpose and said in README: PostgreSQL's files do not shrink when rows go (VACUUM makes the space
 * reusable), and {@code kiln backup} copies SQLite stores only (PostgreSQL has pg_dump).
 */
class PostgresStoreContractIT extends StoreContractTest {
    @TempDir
    Path dir;
    private String database;

    @Override
    protected Store createStore(EventBus bus) {
        if (database == null) database = TestPostgres.newDatabase();
        return PostgresStore.open(PostgresUrl.parse(database), bus, SecretCipher.inDataDir(dir));
    }

    @Override
    public Store openBackup(Path backupDir, EventBus bus) {
        throw new UnsupportedOperationException("no backups of PostgreSQL stores");
    }

    @Test
    @Override
    public void dataBytesFollowTheDataAndReclaimingSpaceKeepsWhatRemains() {
        long empty = store().dataBytes();
        var jobs = new ArrayList<Job>();
        for (int i = 0; i < 20; i++) jobs.add(finishedJob("big-" + i, JobStatus.SUCCEEDED, at(-100), 500));
        assertThat(store().dataBytes()).isGreaterThan(empty);

        for (Job j : jobs.subList(0, 19)) run(tx -> tx.deleteJob(j.id()));
        store().reclaimSpace(); // VACUUM: runs outside a transaction, keeps what remains
        assertThat(store().logLines(jobs.getLast().id(), 1, 0, 1000)).hasSize(500);
        reopen();
        assertThat(store().logLines(jobs.getLast().id(), 1, 0, 1000)).hasSize(500);
    }

    @Test
    @Override
    public void backupToWritesASnapshotAStoreOpensWithTheSameData(@TempDir Path backupDir) {
        assertThatThrownBy(() -> store().backupTo(backupDir)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("pg_dump");
    }
}
