package dev.kiln.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.EventBus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event reads behind the live stream are ranges of an index, never a scan of the events table: opening a stream
 * and replaying a bounded gap cost the same with a hundred events or a hundred million. Checked with SQLite's own
 * {@code EXPLAIN QUERY PLAN} on the statements the store runs.
 */
class SqliteEventQueriesTest {
    @TempDir
    Path dir;

    @Test
    void streamQueriesAreIndexRangesNotScans() {
        new SqliteStore(dir, new EventBus()).close(); // migrated schema
        var db = Jdbi.create("jdbc:sqlite:" + dir.resolve("kiln.db"));
        Map<String, Object> args = Map.of("after", 5, "limit", 100, "job", "j-1");

        assertThat(plan(db, SqliteStore.EVENTS_AFTER, args)).singleElement().asString()
                .contains("SEARCH events USING INTEGER PRIMARY KEY (rowid>?)");
        assertThat(plan(db, SqliteStore.JOB_EVENTS_AFTER, args)).singleElement().asString()
                .contains("SEARCH events USING INDEX events_by_job (job_id=? AND id>?)");
        assertThat(plan(db, SqliteStore.LAST_EVENT_ID, args)).singleElement().asString()
                .startsWith("SEARCH events");
    }

    /** The plan's lines; any "SCAN" (a full pass) or "TEMP B-TREE" (a sort) fails the test with the plan shown. */
    private static List<String> plan(Jdbi db, String sql, Map<String, Object> args) {
        List<String> lines = db.withHandle(h -> {
            var q = h.createQuery("EXPLAIN QUERY PLAN " + sql);
            args.forEach((k, v) -> { if (sql.contains(":" + k)) q.bind(k, v); });
            return q.map((rs, ctx) -> rs.getString("detail")).list();
        });
        assertThat(lines).as(sql).noneMatch(l -> l.startsWith("SCAN") || l.contains("TEMP B-TREE"));
        return lines;
    }
}
