package dev.kiln.server.store.sqlite;

import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The writer's SQL on the writer's JDBI handle, each text prepared once ({@link PreparedWrite}) and reused. Not a
 * JDBI statement per call: each copies the handle's configuration and builds a context, binder and result producer,
 * and even with its prepared statements cached that made the writer 2-3 times slower (JMH
 * HotPaths.groupCommitOf100Writes: 2.3-3.2 ms per 100 writes against 0.7-1.0 ms this way). The writes are a few
 * fixed texts, so they keep their statements. Only the writer thread uses it.
 */
final class WriterSql implements AutoCloseable {
    private final Handle handle;
    private final Map<String, PreparedWrite> prepared = new HashMap<>();
    private final SqlDialect dialect;

    WriterSql(Handle handle, SqlDialect dialect) {
        this.handle = handle;
        this.dialect = dialect;
    }

    /** Runs {@code sql} with its {@code :name} parameters taken from {@code params}; returns the update count. */
    int update(String sql, Map<String, ?> params) {
        return statement(sql).update(params);
    }

    void execute(String sql) {
        statement(sql).update(Map.of());
    }

    /**
     * Runs an INSERT into a table whose key SQLite generates (INTEGER PRIMARY KEY AUTOINCREMENT) and returns that
     * key. Not {@code INSERT … RETURNING}: in SQLite it runs under a statement journal, which inside the writer's
     * savepoints (WAL, temp_store=MEMORY) cost more the bigger the write and the table (seeding 10,000 jobs per
     * write: 22 µs a job at 10,000 jobs, 120 µs at 60,000). {@code last_insert_rowid()} on the same connection,
     * right after, costs a cached statement step. PostgreSQL's {@code lastval()} is the same on its side (one more
     * round trip than {@code RETURNING}, but the same SQL for both databases).
     */
    long insertGeneratingKey(String sql, Map<String, ?> params) {
        statement(sql).update(params);
        return statement(dialect.lastInsertedKey()).queryLong(Map.of());
    }

    java.util.List<String> queryStrings(String sql, Map<String, ?> params) {
        return statement(sql).queryStrings(params);
    }

    private PreparedWrite statement(String sql) {
        return prepared.computeIfAbsent(sql, text -> new PreparedWrite(handle, text));
    }

    @Override
    public void close() {
        prepared.values().forEach(PreparedWrite::close);
        prepared.clear();
    }
}
