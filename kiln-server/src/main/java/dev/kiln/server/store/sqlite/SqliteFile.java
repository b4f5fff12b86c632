package dev.kiln.server.store.sqlite;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Opens the store's SQLite file in a data dir: WAL, migrations, incremental vacuum, the writer and the readers. */
final class SqliteFile {
    /** The writer's page cache, in KiB (a negative cache_size is KiB). */
    static final int WRITER_CACHE_KIB = -32_768;

    private SqliteFile() {}

    static SqliteStore.Connections open(Path dataDir, SealedSecrets secrets) {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create data dir " + dataDir + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + dataDir.resolve("kiln.db").toAbsolutePath();
        var writeConfig = new SQLiteConfig();
        writeConfig.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode: a commit survives a crash of the process (kill -9), which is what we promise.
        writeConfig.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        writeConfig.setBusyTimeout(10_000);
        writeConfig.setTempStore(SQLiteConfig.TempStore.MEMORY);
        // The writer asks for generated keys itself (WriterSql); left on, the driver runs its own
        // SELECT last_insert_rowid(), on a new statement, after every INSERT.
        writeConfig.setGetGeneratedKeys(false);
        var writeSource = new SQLiteDataSource(writeConfig);
        writeSource.setUrl(url);

        var flyway = Flyway.configure().dataSource(writeSource).locations("classpath:db/migration/sqlite")
                .javaMigrations(new V6__Seal_job_secrets(secrets)).load();
        flyway.migrate();
        String schemaVersion = flyway.info().current().getVersion().getVersion();
        useIncrementalVacuum(writeSource);

        var poolConfig = new HikariConfig();
        poolConfig.setJdbcUrl(url);
        poolConfig.setMaximumPoolSize(4);
        poolConfig.setPoolName("kiln-sqlite-read");
        poolConfig.setReadOnly(true);
        poolConfig.setConnectionInitSql("PRAGMA busy_timeout=10000");
        poolConfig.addDataSourceProperty("open_mode", "1"); // SQLITE_OPEN_READONLY

        Handle writeHandle = Jdbi.create(writeSource).open();
        // a migration may have replaced values (V6: secrets in clear); their old pages must not linger in the log
        writeHandle.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        // checkpoints run on their own connection and thread (WalCheckpointer), never inside the writer's COMMIT
        writeHandle.execute("PRAGMA wal_autocheckpoint=0");
        // Job ids are random, so a job's rows sit at random places of the id-keyed indexes (jobs, attempts, events
        // by job, log chunks): with SQLite's default 2 MiB cache the writer read most of those pages back from the
        // file at each write of a job. 32 MiB keeps the pages of the jobs active in the last minutes at 1,000s a second.
        writeHandle.execute("PRAGMA cache_size=" + WRITER_CACHE_KIB);
        Handle checkpointHandle = Jdbi.create(writeSource).open();
        checkpointHandle.execute("PRAGMA wal_autocheckpoint=0");
        return new SqliteStore.Connections(new HikariDataSource(poolConfig), writeHandle, schemaVersion, null, checkpointHandle);
    }

    /**
     * Retention deletes rows and gives the space back with {@code PRAGMA incremental_vacuum}, which needs
     * {@code auto_vacuum=INCREMENTAL}. That setting takes effect only on an empty database or through a VACUUM, and
     * VACUUM cannot run inside a migration's transaction: so it is done here, once, after migrating (a new database
     * is tiny then; an older one is rewritten once).
     */
    private static void useIncrementalVacuum(SQLiteDataSource source) {
        try (Handle h = Jdbi.create(source).open()) {
            if (h.createQuery("PRAGMA auto_vacuum").mapTo(Integer.class).one() == 2) return;
            h.execute("PRAGMA auto_vacuum = INCREMENTAL");
            h.execute("VACUUM");
        }
    }

}
