package dev.kiln.server.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.SecretCipher;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several servers' writers on one database commit one batch at a time ({@link PostgresStore#COMMIT_ORDER_LOCK}), so
 * event ids are in commit order and a reader tailing events by id never passes one committed later. Here a raw
 * connection plays another server's writer mid-batch: it holds the lock and has drawn an event id; the store's next
 * batch waits for it, then draws a greater id.
 */
class PostgresCommitOrderIT {
    @TempDir
    Path dir;

    @Test
    void aBatchWaitsForAnotherWritersOpenBatchAndItsIdsFollow() throws Exception {
        var url = PostgresUrl.parse(TestPostgres.newDatabase());
        try (var store = PostgresStore.open(url, new EventBus(), SecretCipher.inDataDir(dir));
             Connection other = DriverManager.getConnection(url.jdbcUrl(), url.properties())) {
            other.setAutoCommit(false);
            try (var st = other.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(" + PostgresStore.COMMIT_ORDER_LOCK + ")");
            }
            long othersId;
            try (var st = other.createStatement(); var rs = st.executeQuery(
                    "INSERT INTO events (kind, timestamp_ns) VALUES ('other.server', 1) RETURNING id")) {
                rs.next();
                othersId = rs.getLong(1);
            }

            var write = store.write(tx -> tx.appendEvent(Event.draft(null, "this.server", Map.of())));
            // the store's batch is waiting for the lock, not committing beside the open one
            await().atMost(Duration.ofSeconds(30)).until(() -> waitingForAdvisoryLock(url) == 1);
            assertThat(write).isNotDone();

            other.commit();
            Event mine = write.get();
            assertThat(mine.id()).isGreaterThan(othersId);
            assertThat(store.events(0, 10)).extracting(Event::kind).containsExactly("other.server", "this.server");
        }
    }

    private static int waitingForAdvisoryLock(PostgresUrl url) throws Exception {
        try (var c = DriverManager.getConnection(url.jdbcUrl(), url.properties()); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
