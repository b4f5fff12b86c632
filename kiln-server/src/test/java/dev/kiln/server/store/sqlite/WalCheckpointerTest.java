package dev.kiln.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.events.EventBus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL goes back into the database file on the checkpointer's thread: the writer's connection never checkpoints
 * (it would, inside a COMMIT, every few thousand pages), yet what it commits reaches the main file while it runs.
 */
class WalCheckpointerTest {
    @TempDir
    Path dir;

    @Test
    void commitsReachTheDatabaseFileWithoutTheWriterCheckpointing() throws Exception {
        try (var store = new SqliteStore(dir, new EventBus())) {
            Path db = dir.resolve("kiln.db");
            long before = Files.size(db);
            // 4 MiB of log in 64 writes: without a checkpoint all of it stays in the WAL (autocheckpoint is off)
            var lines = new ArrayList<LogLine>();
            for (int i = 0; i < 64; i++) lines.add(new LogLine(i, LogStream.STDOUT, "x".repeat(1000) + i));
            for (int chunk = 0; chunk < 64; chunk++) {
                long first = chunk * 64L + 1;
                List<LogLine> copy = List.copyOf(lines);
                store.write(tx -> {
                    tx.appendLogChunk("job-1", 1, first, copy);
                    return null;
                }).join();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.size(db) - before > 3_000_000);
            // the writer's own connection has the automatic checkpoint off
            long autocheckpoint = store.writerSetting("wal_autocheckpoint");
            assertThat(autocheckpoint).isZero();
        }
        // and everything is there after a reopen
        long rows = Jdbi.create("jdbc:sqlite:" + dir.resolve("kiln.db"))
                .withHandle(h -> h.createQuery("SELECT count(*) FROM log_chunks").mapTo(Long.class).one());
        assertThat(rows).isEqualTo(64);
    }

    @Test
    void theWriterKeepsALargerPageCacheThanSqlitesDefault() {
        try (var store = new SqliteStore(dir, new EventBus())) {
            assertThat(store.writerSetting("cache_size")).isEqualTo(SqliteFile.WRITER_CACHE_KIB).isLessThan(-2000);
        }
    }
}
