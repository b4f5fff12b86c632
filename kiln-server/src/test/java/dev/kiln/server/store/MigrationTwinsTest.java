package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Each SQLite migration after the PostgreSQL baseline (V7) has a PostgreSQL twin of the same version, so both
 * databases keep one data model (db/migration/postgresql/README.md).
 */
class MigrationTwinsTest {
    private static final int POSTGRES_BASELINE = 7;
    private static final Pattern VERSION = Pattern.compile("^V(\\d+)__.*\\.(sql|java)$");

    private static Set<Integer> versions(Path... dirs) throws IOException {
        var versions = new TreeSet<Integer>();
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.list(dir)) {
                files.map(f -> VERSION.matcher(f.getFileName().toString())).filter(Matcher::matches)
                        .forEach(m -> versions.add(Integer.parseInt(m.group(1))));
            }
        }
        return versions;
    }

    @Test
    void everySqliteMigrationAfterTheBaselineHasAPostgresTwin() throws IOException {
        Set<Integer> sqlite = versions(Path.of("src/main/resources/db/migration/sqlite"),
                Path.of("src/main/java/dev/kiln/server/store/sqlite"));
        Set<Integer> postgres = versions(Path.of("src/main/resources/db/migration/postgresql"));
        assertThat(sqlite).contains(POSTGRES_BASELINE);
        assertThat(postgres).first().isEqualTo(POSTGRES_BASELINE);
        var missing = new TreeSet<>(sqlite.stream().filter(v -> v > POSTGRES_BASELINE).toList());
        missing.removeAll(postgres);
        assertThat(missing).as("SQLite migrations without a PostgreSQL twin in db/migration/postgresql").isEmpty();
        assertThat(postgres).as("PostgreSQL migrations without a SQLite one").isSubsetOf(sqlite);
    }

    /**
     * The versions data dirs in the field may already be at. Flyway migrates in order, so a database at V13 refuses a
     * new V8 ("resolved migration not applied"): a new migration takes a number above the newest released one. Add a
     * version here once a main carrying it has landed.
     */
    private static final Set<Integer> RELEASED = Set.of(1, 2, 3, 4, 5, 6, 7, 10, 13, 15, 17, 18, 19, 20);

    @Test
    void noNewMigrationHidesBelowAReleasedOne() throws IOException {
        int newestReleased = RELEASED.stream().max(Integer::compare).orElseThrow();
        Set<Integer> all = versions(Path.of("src/main/resources/db/migration/sqlite"),
                Path.of("src/main/java/dev/kiln/server/store/sqlite"), Path.of("src/main/resources/db/migration/postgresql"));
        assertThat(all.stream().filter(v -> v < newestReleased && !RELEASED.contains(v)).toList())
                .as("migrations numbered below the released V" + newestReleased + ": renumber them above it").isEmpty();
    }
}
