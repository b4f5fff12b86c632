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
 * The build and partition reads are ranges of an index, never a scan or a sort, so they cost the same at a million
 * partitions and a hundred thousand builds as at ten. Checked with SQLite's own {@code EXPLAIN QUERY PLAN}.
 */
class SqliteBuildQueriesTest {
    @TempDir
    Path dir;

    @Test
    void buildAndPartitionQueriesAreIndexRangesNotScans() {
        new SqliteStore(dir, new EventBus()).close(); // migrated schema
        var db = Jdbi.create("jdbc:sqlite:" + dir.resolve("kiln.db"));
        Map<String, Object> args = Map.of("before", 50, "limit", 100, "status", "failed", "ref", "a/1", "build", "b-1",
                "after", "a/", "from", "a/", "to", "a0", "cap", 1000);

        assertThat(plan(db, BuildReads.BUILDS, args)).singleElement().asString().contains("USING INTEGER PRIMARY KEY (rowid<?)");
        assertThat(plan(db, BuildReads.BUILDS_BY_STATUS, args)).singleElement().asString().contains("builds_by_status (status=? AND seq<?)");
        assertThat(plan(db, BuildReads.BUILDS_BY_PARTITION, args)).first().asString().contains("build_partitions_by_ref (ref=? AND build_seq<?)");
        assertThat(plan(db, BuildReads.BUILD_PARTITIONS, args)).singleElement().asString().contains("(build_id=? AND ref>?)");
        assertThat(plan(db, BuildReads.BUILD_PARTITIONS_BY_STATUS, args)).singleElement().asString()
                .contains("build_partitions_by_status (build_id=? AND status=? AND ref>?)");
        for (String range : List.of(BuildReads.refRange("a/", null), BuildReads.refRange("a/", "a/1"))) {
            assertThat(plan(db, BuildReads.PARTITIONS.formatted(range), args)).singleElement().asString()
                    .contains("SEARCH partitions USING INDEX sqlite_autoindex_partitions_1 (ref>? AND ref<?)");
            assertThat(plan(db, BuildReads.PARTITIONS_BY_STATUS.formatted(range), args)).singleElement().asString()
                    .contains("partitions_by_status (status=? AND ref>? AND ref<?)");
        }
        assertThat(plan(db, BuildReads.PARTITIONS.formatted(BuildReads.refRange("", "a/1")), args)).singleElement().asString()
                .contains("(ref>?)");
        assertThat(plan(db, BuildReads.COUNT_CAPPED, args)).allSatisfy(l -> assertThat(l).doesNotStartWith("SCAN partitions"))
                .anySatisfy(l -> assertThat(l).contains("partitions_by_status (status=? AND ref>? AND ref<?)"));
        assertThat(plan(db, BuildReads.BUILD_EVENTS, Map.of("build", "b-1", "after", 5, "limit", 10))).singleElement().asString()
                .contains("events_by_build (build_id=? AND id>?)");
        assertThat(plan(db, BuildReads.PARTITION_EVENTS, Map.of("ref", "a/1", "after", 5, "limit", 10))).singleElement().asString()
                .contains("events_by_ref (ref=? AND id>?)");
    }

    /** One lower end only: with two, SQLite may start at the looser one and read every row before the prefix. */
    @Test
    void aPageOfAPrefixHasOneLowerEndThePrefixOrTheCursorPastIt() {
        assertThat(BuildReads.refRange("reports/", null)).isEqualTo("ref >= :from AND ref < :to");
        assertThat(BuildReads.refRange("reports/", "reports/day=1")).isEqualTo("ref > :after AND ref < :to");
        assertThat(BuildReads.refRange("reports/", "raw/x")).as("a cursor before the prefix").isEqualTo("ref >= :from AND ref < :to");
        assertThat(BuildReads.refRange("", "raw/x")).isEqualTo("ref > :after");
        assertThat(BuildReads.refRange("", null)).isEqualTo("ref > :after");
    }

    /** The plan's lines; a "SCAN" of a table (a full pass) or a "TEMP B-TREE" (a sort) fails the test with the plan shown. */
    private static List<String> plan(Jdbi db, String sql, Map<String, Object> args) {
        List<String> lines = db.withHandle(h -> {
            var q = h.createQuery("EXPLAIN QUERY PLAN " + sql);
            args.forEach((k, v) -> { if (sql.contains(":" + k)) q.bind(k, v); });
            return q.map((rs, ctx) -> rs.getString("detail")).list();
        });
        assertThat(lines).as(sql).noneMatch(l -> (l.startsWith("SCAN") && !l.startsWith("SCAN capped")) || l.contains("TEMP B-TREE"));
        return lines;
    }
}
