package dev.kiln.server.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreUnavailableException;
import dev.kiln.server.store.sqlite.SqlDialect;
import dev.kiln.server.store.sqlite.SqliteStore;
import dev.kiln.server.store.sqlite.WriterReconnect;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The store on PostgreSQL: the SQL store of {@code store.sqlite} (its reads, its {@code SqlTx}, its single
 * group-commit writer) on a PostgreSQL database, with its own migrations ({@code db/migration/postgresql}) and
 * {@link #DIALECT}. Several servers may share the database: each writer's batches take one advisory lock, so
 * they commit one at a time and event ids follow commit order (what {@code live.EventTail} relies on). The driver is found by its JDBC URL, so nothing loads it unless this is used.
 */
public final class PostgresStore {
    /** The advisory lock key every Kiln writer takes once per group commit ("kiln" in ASCII, then "wrt"). */
    public static final long COMMIT_ORDER_LOCK = 0x6B696C6E_00777274L;
    /**
     * {@code lastval()}: the key of the session's last INSERT, as SQLite's {@code last_insert_rowid()}. Each batch
     * first takes {@link #COMMIT_ORDER_LOCK}, so commits (and event ids) of servers sharing the database are in order.
     */
    public static final SqlDialect DIALECT = new SqlDialect("PostgreSQL", "SELECT lastval()", "ILIKE",
            "psql \"$KILN_DATABASE\" -c \"UPDATE jobs SET secrets = NULL\"",
            "SELECT pg_advisory_xact_lock(" + COMMIT_ORDER_LOCK + ")");
    private static final int READ_POOL_SIZE = 8;

    private PostgresStore() {}

    /**
     * Migrates the database and opens the store on it. A database that cannot be reached or used is a
     * {@link StoreUnavailableException} naming it and the driver's reason.
     */
    public static Store open(PostgresUrl url, EventBus bus, SecretCipher cipher) {
        return open(url, bus, cipher, KilnMetrics.discarding());
    }

    /** As {@link #open(PostgresUrl, EventBus, SecretCipher)}, the writer recording into {@code metrics}. */
    public static Store open(PostgresUrl url, EventBus bus, SecretCipher cipher, KilnMetrics metrics) {
        HikariDataSource readPool = null;
        Handle writer = null;
        String schemaVersion;
        try {
            var flyway = Flyway.configure().dataSource(url.jdbcUrl(), url.user(), url.password())
                    .locations("classpath:db/migration/postgresql").load();
            flyway.migrate();
            schemaVersion = flyway.info().current().getVersion().getVersion();
            readPool = new HikariDataSource(readPool(url));
            writer = writerConnection(url);
        } catch (RuntimeException e) {
            if (writer != null) writer.close();
            if (readPool != null) readPool.close();
            throw new StoreUnavailableException("cannot use the PostgreSQL database " + url + ": " + reason(e)
                    + ". Check --database (or KILN_DATABASE), and that the database exists, is up and accepts this user.", e);
        }
        var reconnect = new WriterReconnect("the PostgreSQL database " + url, () -> writerConnection(url));
        return new SqliteStore(DIALECT, new SqliteStore.Connections(readPool, writer, schemaVersion, reconnect), bus, cipher, metrics);
    }

    private static Handle writerConnection(PostgresUrl url) {
        return Jdbi.create(() -> DriverManager.getConnection(url.jdbcUrl(), url.properties())).open();
    }

    private static HikariConfig readPool(PostgresUrl url) {
        var config = new HikariConfig();
        config.setJdbcUrl(url.jdbcUrl());
        config.setUsername(url.user());
        config.setPassword(url.password());
        config.setMaximumPoolSize(READ_POOL_SIZE);
        config.setPoolName("kiln-postgres-read");
        config.setReadOnly(true);
        return config;
    }

    /** The database's own words (the innermost SQL error), not the layers around them. */
    private static String reason(Throwable e) {
        String reason = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException && t.getMessage() != null) reason = t.getMessage();
        }
        return reason == null ? e.getClass().getSimpleName() : reason.strip();
    }
}
