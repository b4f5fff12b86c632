package dev.kiln.server;

import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.postgres.PostgresStore;
import dev.kiln.server.store.postgres.PostgresUrl;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln migrate}: the SQLite database of a data dir copied into a new, empty PostgreSQL database — every table
 * (jobs, attempts, logs, events, tokens, agents, artifacts, labels, sessions, sign-in codes), row for row, ids kept —
 * in one PostgreSQL transaction, which commits only when each table's row count matches the source's. Both sides are
 * first migrated to this version's schema (the twins have the same tables and columns). Job secrets stay sealed
 * with the data dir's {@code secrets.key}, and artifact files stay in its {@code artifacts/}: the PostgreSQL server
 * is started with the same data dir.
 */
public final class Migrate {
    private static final int BATCH = 500;

    private Migrate() {}

    /** Rows copied, by table, in copy order. */
    public record Result(Map<String, Long> rows) {
        public long of(String table) {
            return rows.getOrDefault(table, 0L);
        }
    }

    public static Result sqliteToPostgres(Path dataDir, String database) throws SQLException {
        Path file = dataDir.resolve("kiln.db");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no Kiln database in " + dataDir + " (expected " + file + "); give the data dir of the SQLite server");
        }
        var url = PostgresUrl.parse(database);
        var bus = new EventBus();
        var cipher = SecretCipher.inDataDir(dataDir);
        new SqliteStore(dataDir, bus, cipher).close(); // brings the source to this version's schema
        PostgresStore.open(url, bus, cipher).close(); // and the target
        try (Connection from = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
             Connection to = DriverManager.getConnection(url.jdbcUrl(), url.properties())) {
            List<String> tables = tables(from);
            requireEmpty(to, tables, url);
            to.setAutoCommit(false);
            var rows = new LinkedHashMap<String, Long>();
            try {
                for (String table : SEEDED) clear(to, table);
                for (String table : tables) rows.put(table, copy(from, to, table));
                resetIdentities(to);
                for (String table : tables) {
                    long there = count(to, table);
                    if (there != rows.get(table)) {
                        throw new IllegalStateException("table " + table + ": " + rows.get(table) + " row(s) in SQLite but "
                                + there + " in PostgreSQL after the copy; nothing was committed");
                    }
                }
                to.commit();
            } catch (SQLException | RuntimeException e) {
                to.rollback();
                throw e;
            }
            return new Result(rows);
        }
    }

    /** The Kiln tables of the source, jobs first (job_labels refers to it), Flyway's own left out. */
    private static List<String> tables(Connection sqlite) throws SQLException {
        var tables = new ArrayList<String>();
        try (var st = sqlite.createStatement(); var rs = st.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        + "AND name <> 'flyway_schema_history' ORDER BY name <> 'jobs', name")) {
            while (rs.next()) tables.add(rs.getString(1));
        }
        return tables;
    }

    /**
     * Tables a migration fills in a new database (the partitions' counts by status, each 0): the source's rows replace
     * them, and they do not make the target count as used.
     */
    static final java.util.Set<String> SEEDED = java.util.Set.of("partition_counts");

    private static void clear(Connection pg, String table) throws SQLException {
        try (var st = pg.createStatement()) {
            st.executeUpdate("DELETE FROM " + table);
        }
    }

    private static void requireEmpty(Connection pg, List<String> tables, PostgresUrl url) throws SQLException {
        for (String table : tables) {
            if (SEEDED.contains(table)) continue;
            long n = count(pg, table);
            if (n > 0) {
                throw new IllegalStateException("the PostgreSQL database " + url + " is not empty (" + table + " has " + n
                        + " row(s)); migrate into a new database (createdb), before any server has used it");
            }
        }
    }

    private static long copy(Connection from, Connection to, String table) throws SQLException {
        try (var read = from.createStatement(); var rs = read.executeQuery("SELECT * FROM " + table)) {
            var columns = new ArrayList<String>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) columns.add(rs.getMetaData().getColumnName(i));
            String insert = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") OVERRIDING SYSTEM VALUE VALUES ("
                    + String.join(", ", columns.stream().map(c -> "?").toList()) + ")";
            try (PreparedStatement write = to.prepareStatement(insert)) {
                int[] types = targetTypes(write, columns.size());
                long n = 0;
                while (rs.next()) {
                    for (int i = 1; i <= columns.size(); i++) bind(write, i, types[i - 1], rs);
                    write.addBatch();
                    if (++n % BATCH == 0) write.executeBatch();
                }
                write.executeBatch();
                return n;
            }
        }
    }

    private static int[] targetTypes(PreparedStatement insert, int count) throws SQLException {
        var meta = insert.getParameterMetaData();
        int[] types = new int[count];
        for (int i = 1; i <= count; i++) types[i - 1] = meta.getParameterType(i);
        return types;
    }

    /** SQLite's loose values into PostgreSQL's column types: bytes for bytea, longs for bigint, text for the rest. */
    private static void bind(PreparedStatement write, int i, int type, ResultSet rs) throws SQLException {
        Object value = rs.getObject(i);
        if (value == null) write.setNull(i, type);
        else if (type == Types.BINARY || type == Types.VARBINARY || type == Types.LONGVARBINARY) write.setBytes(i, rs.getBytes(i));
        else if (type == Types.BIGINT || type == Types.INTEGER || type == Types.SMALLINT) write.setLong(i, rs.getLong(i));
        else write.setString(i, rs.getString(i));
    }

    /**
     * The next generated key of every identity column (jobs, events, builds, deliveries, graph versions…) follows the
     * copied ones: the copy kept the keys, and a sequence left at 1 would hand out a copied key again.
     */
    private static void resetIdentities(Connection pg) throws SQLException {
        var columns = new ArrayList<String[]>();
        try (var st = pg.createStatement(); var rs = st.executeQuery("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND is_identity = 'YES'""")) {
            while (rs.next()) columns.add(new String[] {rs.getString(1), rs.getString(2)});
        }
        try (var st = pg.createStatement()) {
            for (String[] c : columns) {
                st.execute("SELECT setval(pg_get_serial_sequence('" + c[0] + "', '" + c[1] + "'), coalesce(max(" + c[1]
                        + "), 1), max(" + c[1] + ") IS NOT NULL) FROM " + c[0]);
            }
        }
    }

    private static long count(Connection c, String table) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
