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

    /**
     * Runs an INSERT ({@code INSERT INTO table (columns) VALUES (values)}) into a table whose key {@code keyColumn}
     * the database generates, and returns the key. On SQLite this writer is the database's only one, so it hands the
     * key out itself: one more than the last it gave (or than {@code sqlite_sequence} said, which AUTOINCREMENT keeps
     * at the highest key ever used), inserted as a value, and no {@code SELECT last_insert_rowid()} per row (a
     * statement step per event and job: 5 a job). A rollback makes it ask {@code sqlite_sequence} again (see
     * {@link #forgetKeys}). PostgreSQL, whose keys other servers draw too, asks the database as before.
     */
    long insertAssigningKey(String table, String keyColumn, String sql, Map<String, ?> params) {
        if (dialect != SqlDialect.SQLITE) return insertGeneratingKey(sql, params);
        long key = lastKeys.computeIfAbsent(table, this::lastKeyOf) + 1;
        var withKey = new HashMap<String, Object>(params);
        withKey.put(ASSIGNED_KEY, key);
        statement(keyed.computeIfAbsent(sql, text -> withKeyColumn(table, keyColumn, text))).update(withKey);
        lastKeys.put(table, key);
        return key;
    }

    /** After a rollback (of a savepoint or a transaction): the keys handed out since may be free again. */
    void forgetKeys() {
        lastKeys.clear();
    }

    private static final String ASSIGNED_KEY = "assigned_key";
    private final Map<String, Long> lastKeys = new HashMap<>();
    private final Map<String, String> keyed = new HashMap<>();

    private long lastKeyOf(String table) {
        var seq = statement("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = :table), 0)")
                .queryLong(Map.of("table", table));
        return seq;
    }

    /** {@code INSERT INTO t (a, b) VALUES (:a, :b)} → {@code INSERT INTO t (key, a, b) VALUES (:assigned_key, :a, :b)}. */
    static String withKeyColumn(String table, String keyColumn, String sql) {
        String into = "INSERT INTO " + table + " (";
        int values = sql.indexOf("VALUES (");
        if (!sql.startsWith(into) || values < 0) throw new IllegalArgumentException("not an INSERT INTO " + table + " (…) VALUES (…): " + sql);
        return into + keyColumn + ", " + sql.substring(into.length(), values) + "VALUES (:" + ASSIGNED_KEY + ", "
                + sql.substring(values + "VALUES (".length());
    }

    java.util.List<String> queryStrings(String sql, Map<String, ?> params) {
        return statement(sql).queryStrings(params);
    }

    private PreparedWrite statement(String sql) {
        return prepared.computeIfAbsent(sql, text -> new PreparedWrite(handle, text));
    }

    @Override
    public void close() {
        lastKeys.clear();
        prepared.values().forEach(PreparedWrite::close);
        prepared.clear();
    }
}
