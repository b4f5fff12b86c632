package dev.kiln.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for the scale-out scenario, as the tests start it: zonky's embedded binaries (a Maven Central
 * artifact, PostgreSQL 17.6) in a temporary data dir, with zonky's settings for a test database ({@code -F}: no fsync,
 * {@code synchronous_commit=off}), so a commit costs no disk flush here as it would in production. As root zonky starts
 * it under {@code unshare -U}, since PostgreSQL refuses to run as root.
 */
final class BenchPostgres implements AutoCloseable {
    private final EmbeddedPostgres server;
    private final Path dataDir;
    private int databases;

    private BenchPostgres(EmbeddedPostgres server, Path dataDir) {
        this.server = server;
        this.dataDir = dataDir;
    }

    static BenchPostgres start() throws IOException {
        Path dir = Files.createTempDirectory("kiln-bench-pg");
        return new BenchPostgres(EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true).start(), dir);
    }

    /** A new, empty database, as a {@code postgresql://} URL for {@code kiln server --database}. */
    String newDatabase() throws SQLException {
        String name = "kiln_bench_" + ++databases;
        try (var c = server.getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return "postgresql://postgres@localhost:" + server.getPort() + "/" + name;
    }

    /** A connection to database {@code url} (one for a whole run: each new one is a backend PostgreSQL forks). */
    Connection connect(String url) throws SQLException {
        return server.getDatabase("postgres", url.substring(url.lastIndexOf('/') + 1)).getConnection();
    }

    /** Jobs of {@code type} that are not finished, and those that succeeded. */
    static long[] activeAndSucceeded(Connection c, String type) throws SQLException {
        try (var q = c.prepareStatement("SELECT count(*) FILTER (WHERE status IN ('queued', 'assigned', 'running', 'cancelling', 'stopping')),"
                + " count(*) FILTER (WHERE status = 'succeeded') FROM jobs WHERE type = ?")) {
            q.setString(1, type);
            try (var rs = q.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /**
     * Of the jobs of {@code type}: the wait in the queue (queued → started on an agent) at p50 and p90, and the run
     * (started → finished) at p50, in milliseconds. A wait far above the run means free slots and waiting jobs did
     * not meet.
     */
    static double[] waitAndRunMs(Connection c, String type) throws SQLException {
        try (var q = c.prepareStatement("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY started_at - queued_at),"
                + " percentile_cont(0.9) WITHIN GROUP (ORDER BY started_at - queued_at),"
                + " percentile_cont(0.5) WITHIN GROUP (ORDER BY finished_at - started_at) FROM jobs WHERE type = ?")) {
            q.setString(1, type);
            try (var rs = q.executeQuery()) {
                rs.next();
                return new double[] {rs.getDouble(1) / 1e6, rs.getDouble(2) / 1e6, rs.getDouble(3) / 1e6};
            }
        }
    }

    /** CPU time of the postmaster and every backend now running, in nanoseconds. */
    long cpuNs() {
        try {
            long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().strip());
            return ProcessHandle.of(pid).stream().flatMap(p -> Stream.concat(Stream.of(p), p.descendants()))
                    .mapToLong(p -> ProcStat.processCpuNs(p.pid()) + ProcStat.reapedChildrenCpuNs(p.pid())).sum();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
