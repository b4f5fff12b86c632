package dev.kiln.server.store.sqlite;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.Arguments;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * One SQL text of the writer, parsed by JDBI's configured parser (named {@code :params}; PostgreSQL's {@code ::}
 * casts are left alone), prepared once on the writer's connection, and bound by name on each call with JDBI's
 * argument factories, looked up once per parameter type. Only the writer thread uses it.
 */
final class PreparedWrite implements AutoCloseable {
    private final String sql;
    private final PreparedStatement statement;
    private final List<String> names;
    private final StatementContext context;
    private final Arguments arguments;
    private final Map<Class<?>, Function<Object, Argument>> argumentByType = new HashMap<>();

    PreparedWrite(Handle handle, String sql) {
        this.sql = sql;
        // A statement JDBI never runs: it lends the handle's configuration (parser, argument factories) to this one.
        this.context = handle.createUpdate(sql).getContext();
        this.arguments = context.getConfig(Arguments.class);
        ParsedSql parsed = context.getConfig(SqlStatements.class).getSqlParser().parse(sql, context);
        if (parsed.getParameters().isPositional() && parsed.getParameters().getParameterCount() > 0) {
            throw new IllegalArgumentException("use :name parameters, not ?, in " + sql);
        }
        this.names = parsed.getParameters().getParameterNames();
        try {
            this.statement = handle.getConnection().prepareStatement(parsed.getSql());
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Runs the statement with its {@code :name} parameters taken from {@code params}; returns the update count. */
    int update(Map<String, ?> params) {
        try {
            bind(params);
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Runs a query of one number (such as {@code SELECT last_insert_rowid()}) and returns it. */
    long queryLong(Map<String, ?> params) {
        try {
            bind(params);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) throw new IllegalStateException("no row returned by [" + oneLine() + "]");
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /** Runs a query of one text column and returns its values. */
    List<String> queryStrings(Map<String, ?> params) {
        try {
            bind(params);
            var out = new java.util.ArrayList<String>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private void bind(Map<String, ?> params) throws SQLException {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Object value = params.get(name);
            if (value == null && !params.containsKey(name)) {
                throw new IllegalArgumentException("no value for :" + name + " in [" + oneLine() + "]");
            }
            argumentFor(value).apply(i + 1, statement, context);
        }
    }

    private Argument argumentFor(Object value) {
        if (value == null) return arguments.getUntypedNullArgument();
        return argumentByType.computeIfAbsent(value.getClass(), type -> arguments.prepareFor(type)
                .orElse(v -> arguments.findFor(type, v).orElseThrow(
                        () -> new IllegalArgumentException("no JDBI argument factory for " + type.getName()))))
                .apply(value);
    }

    private IllegalStateException failure(SQLException e) {
        return new IllegalStateException(e.getMessage() + " [" + oneLine() + "]", e);
    }

    private String oneLine() {
        return sql.strip().replaceAll("\\s+", " ");
    }

    @Override
    public void close() {
        try {
            statement.close();
        } catch (SQLException ignored) {
            // the connection closes next anyway
        }
    }
}
