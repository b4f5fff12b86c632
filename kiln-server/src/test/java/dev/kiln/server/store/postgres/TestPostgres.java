package dev.kiln.server.store.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for tests: zonky's embedded binaries (a Maven Central artifact, PostgreSQL 17.6), one server per
 * test JVM, a fresh database per {@link #newDatabase} call. As root (PostgreSQL refuses to run as root) zonky starts
 * it under {@code unshare -U}, as nobody; that needs user namespaces, which containers may forbid.
 */
public final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    /** A new, empty database on the shared server, as a {@code postgresql://} URL. */
    public static String newDatabase() {
        String name = "kiln_test_" + DATABASES.incrementAndGet();
        try (var c = server().getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "postgresql://postgres@localhost:" + server().getPort() + "/" + name;
    }

    public static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off").start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }
}
