package dev.kiln.server.store.postgres;

import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.store.Lease;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Lease} of servers sharing a PostgreSQL database: a session advisory lock held on a connection of its own.
 * Whoever does not hold it tries every {@link #PERIOD}; the holder checks its connection as often and counts itself
 * not holding once the connection is gone. A holder killed with -9 drops its socket, PostgreSQL ends the session and
 * frees the lock, and the next try of another server takes it. Plain JDBC: the driver is found by its URL.
 */
public final class PostgresLease implements Lease {
    private static final Logger log = LoggerFactory.getLogger(PostgresLease.class);
    /** The advisory lock's key, "kilntimr" in ASCII: no other key of Kiln's, unlikely to be anyone else's. */
    static final long KEY = 0x6b696c6e74696d72L;
    static final Duration PERIOD = Duration.ofSeconds(1);

    private final PostgresUrl url;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("kiln-lease"));
    /** Only the timer's thread uses it (and close, after the timer stopped). */
    private Connection connection;
    private volatile boolean held;

    private PostgresLease(PostgresUrl url) {
        this.url = url;
    }

    /** Tries once now (the first server of a cluster holds it from its start), then every {@link #PERIOD}. */
    public static PostgresLease start(PostgresUrl url) {
        var lease = new PostgresLease(url);
        lease.timer.execute(lease::tick);
        lease.timer.scheduleWithFixedDelay(lease::tick, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return lease;
    }

    @Override
    public boolean held() {
        return held;
    }

    private void tick() {
        try {
            if (held) {
                if (!connection.isValid((int) PERIOD.toSeconds())) lost("its database connection is gone");
                return;
            }
            if (connection == null || !connection.isValid((int) PERIOD.toSeconds())) reconnect();
            try (var st = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                st.setLong(1, KEY);
                try (var rs = st.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        held = true;
                        log.info("this server now runs the cluster-wide timers (it holds the timers lease)");
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (held) lost(e.getMessage());
            else closeConnection(); // the database is away: the next tick connects again
        }
    }

    private void lost(String why) {
        held = false;
        log.warn("this server no longer holds the timers lease: {}", why);
        closeConnection();
    }

    private void reconnect() throws SQLException {
        closeConnection();
        connection = DriverManager.getConnection(url.jdbcUrl(), url.properties());
        connection.setAutoCommit(true);
    }

    private void closeConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // already broken: nothing to give back
        }
        connection = null;
    }

    /** Stops trying; closing the connection frees the lock at once for the next server. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        held = false;
        closeConnection();
    }
}
