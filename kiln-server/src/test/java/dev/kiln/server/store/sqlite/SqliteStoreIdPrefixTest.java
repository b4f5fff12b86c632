package dev.kiln.server.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.EventBus;
import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding jobs by a prefix of their id is a range on the id's index, not a scan of every job. */
class SqliteStoreIdPrefixTest {
    @TempDir
    Path dir;

    @Test
    void theIdPrefixLookupSearchesTheIdIndex() {
        new SqliteStore(dir, new EventBus()).close(); // the schema, migrated
        List<String> plan = Jdbi.create("jdbc:sqlite:" + dir.resolve("kiln.db").toAbsolutePath()).withHandle(h ->
                h.createQuery("EXPLAIN QUERY PLAN " + SqliteStore.JOB_IDS_STARTING_WITH)
                        .bind("from", "abcdef").bind("to", "abcdeg").bind("limit", 11)
                        .map((rs, ctx) -> rs.getString("detail")).list());
        assertThat(plan).as(plan.toString()).anyMatch(step -> step.startsWith("SEARCH jobs USING COVERING INDEX")
                        && step.contains("(id>? AND id<?)"))
                .noneMatch(step -> step.startsWith("SCAN") || step.contains("TEMP B-TREE"));
    }
}
