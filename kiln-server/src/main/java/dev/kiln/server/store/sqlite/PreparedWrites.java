package dev.kiln.server.store.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The single writer's statements: each SQL text is parsed and prepared once on the writer's connection and then
 * reused. Only the writer thread touches it. JDBI builds a fresh statement, config copy and binder per call, which
 * the profile showed as ~80% of the writer's time; the writes are few and fixed, so they are prepared once here.
 */
final class PreparedWrites implements AutoCloseable {
    /** {@code :name} parameters, as JDBI writes them. */
    private static final Pattern PARAMETER = Pattern.compile(":([A-Za-z_][A-Za-z0-9_]*)");

    private record Prepared(PreparedStatement statement, List<String> names) {}

    private final Connection connection;
    private final Map<String, Prepared> cache = new HashMap<>();

    PreparedWrites(Connection connection) {
        this.connection = connection;
    }

    /** Runs {@code sql} with its {@code :name} parameters taken from {@code params}; returns the update count. */
    int update(String sql, Map<String, ?> params) {
        try {
            return bound(sql, params).executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " [" + sql.strip().replaceAll("\\s+", " ") + "]", e);
        }
    }

    /** Runs an {@code INSERT … RETURNING} of one generated id and returns it. */
    long insertReturningId(String sql, Map<String, ?> params) {
        try {
            PreparedStatement statement = bound(sql, params);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) throw new IllegalStateException("no id returned by [" + sql + "]");
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " [" + sql.strip().replaceAll("\\s+", " ") + "]", e);
        }
    }

    int update(String sql) {
        return update(sql, Map.of());
    }

    private PreparedStatement bound(String sql, Map<String, ?> params) throws SQLException {
        Prepared p = prepared(sql);
        for (int i = 0; i < p.names().size(); i++) {
            String name = p.names().get(i);
            if (!params.containsKey(name)) throw new IllegalArgumentException("no value for :" + name + " in " + sql);
            p.statement().setObject(i + 1, params.get(name));
        }
        return p.statement();
    }

    private Prepared prepared(String sql) throws SQLException {
        Prepared p = cache.get(sql);
        if (p == null) {
            var names = new ArrayList<String>();
            Matcher m = PARAMETER.matcher(sql);
            var positional = new StringBuilder();
            while (m.find()) {
                names.add(m.group(1));
                m.appendReplacement(positional, "?");
            }
            m.appendTail(positional);
            p = new Prepared(connection.prepareStatement(positional.toString()), List.copyOf(names));
            cache.put(sql, p);
        }
        return p;
    }

    @Override
    public void close() {
        for (Prepared p : cache.values()) {
            try {
                p.statement().close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        cache.clear();
    }
}
