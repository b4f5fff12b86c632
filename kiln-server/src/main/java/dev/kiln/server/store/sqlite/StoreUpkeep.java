package dev.kiln.server.store.sqlite;

import dev.kiln.server.store.StoreHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The store's housekeeping, apart from its reads and writes: how big the data is, giving space back after deletes,
 * a consistent copy (backup), and whether the database answers with the schema this code expects. Where SQLite and
 * PostgreSQL differ, the dialect decides.
 */
final class StoreUpkeep {
    /** Pages (1 MiB) one step of reclaiming gives back: job writes commit between steps (docs/benchmarks.md, retention). */
    private static final int RECLAIM_PAGES_PER_STEP = 256;

    private final Jdbi readers;
    private final GroupCommitWriter writer;
    private final SqlDialect dialect;
    /** The schema version this code migrated to: readiness checks the database still has it. */
    private final String schemaVersion;

    StoreUpkeep(Jdbi readers, GroupCommitWriter writer, SqlDialect dialect, String schemaVersion) {
        this.readers = readers;
        this.writer = writer;
        this.dialect = dialect;
        this.schemaVersion = schemaVersion;
    }

    long dataBytes() {
        // PostgreSQL: the database's size on disk, which VACUUM does not shrink (--max-data-size is SQLite's only)
        if (!sqlite()) return readers.withHandle(h -> h.createQuery("SELECT pg_database_size(current_database())").mapTo(Long.class).one());
        return readers.withHandle(h -> h.createQuery(
                "SELECT (p.page_count - f.freelist_count) * s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s")
                .mapTo(Long.class).one());
    }

    void reclaimSpace() {
        if (!sqlite()) { // PostgreSQL: VACUUM makes the space of deleted rows reusable (concurrently, no lock out)
            writer.outsideTransaction(h -> h.execute("VACUUM")).join();
            return;
        }
        // one bounded step per turn of the writer, so job writes commit between the steps
        long[] free = {Long.MAX_VALUE};
        while (free[0] > 0) {
            writer.outsideTransaction(h -> {
                incrementalVacuum(h);
                free[0] = h.createQuery("PRAGMA freelist_count").mapTo(Long.class).one();
            }).join();
        }
        // the WAL holds the freed pages' last versions until a checkpoint: give those back too
        writer.outsideTransaction(h -> h.execute("PRAGMA wal_checkpoint(TRUNCATE)")).join();
    }

    /**
     * One step of incremental vacuum. SQLite gives one page back per row it steps through, and a JDBC statement
     * (and the driver's {@code DB.exec}) steps once; {@code sqlite3_exec} (the driver's {@code DB._exec}) steps to
     * the end.
     */
    private static void incrementalVacuum(Handle h) {
        try {
            h.getConnection().unwrap(org.sqlite.SQLiteConnection.class).getDatabase()
                    ._exec("PRAGMA incremental_vacuum(" + RECLAIM_PAGES_PER_STEP + ")");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("incremental vacuum failed: " + e.getMessage(), e);
        }
    }

    void backupTo(Path dir) {
        if (!sqlite()) {
            throw new UnsupportedOperationException("kiln backup copies SQLite stores; back a PostgreSQL store up with "
                    + "pg_dump (and keep the data dir's secrets.key with it)");
        }
        Path file = dir.resolve("kiln.db").toAbsolutePath();
        if (Files.exists(file)) throw new IllegalArgumentException(file + " exists already");
        // VACUUM INTO reads one snapshot (a read transaction, WAL: the writer goes on) and writes a compact copy
        readers.useHandle(h -> h.createUpdate("VACUUM INTO :file").bind("file", file.toString()).execute());
    }

    String integrityCheck() {
        List<String> result = readers.withHandle(h -> h.createQuery("PRAGMA integrity_check").mapTo(String.class).list());
        return String.join("; ", result);
    }

    StoreHealth health() {
        try {
            return readers.withHandle(h -> {
                // success is a boolean in PostgreSQL, an integer in SQLite: "WHERE success" reads on both
                String version = h.createQuery("SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL "
                        + "ORDER BY installed_rank DESC LIMIT 1").mapTo(String.class).findOne().orElse("none");
                long failed = h.createQuery("SELECT count(*) FROM flyway_schema_history WHERE NOT success").mapTo(Long.class).one();
                boolean migrated = version.equals(schemaVersion) && failed == 0;
                String detail = failed > 0 ? failed + " failed migration(s) in flyway_schema_history"
                        : migrated ? "schema version " + version
                        : "schema version " + version + ", this server needs " + schemaVersion;
                return new StoreHealth(true, "ok", migrated, detail);
            });
        } catch (RuntimeException e) {
            return new StoreHealth(false, "the database does not answer: " + e.getMessage(), false, "unknown");
        }
    }

    private boolean sqlite() {
        return dialect.equals(SqlDialect.SQLITE);
    }
}
