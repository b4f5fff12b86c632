package dev.kiln.server.graph;

import static dev.kiln.server.graph.GraphRegistryTest.BROKEN;
import static dev.kiln.server.graph.GraphRegistryTest.ONE;
import static dev.kiln.server.graph.GraphRegistryTest.TWO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kiln.server.events.EventBus;
import dev.kiln.server.store.GraphVersion;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registries of several servers sharing their versions through one real store (SQLite here; the same store code
 * runs on PostgreSQL, where SharedGraphIT runs whole servers): the latest version accepted by any wins, and a file
 * counts as accepted at start only when its content is new.
 */
class SharedGraphRegistryTest {
    static final String THREE = TWO + "  c:\n    outputs: [\"c/{x}\"]\n    command: ./c.sh {x}\n";

    @TempDir Path dir;
    SqliteStore store;
    final List<GraphRegistry> registries = new ArrayList<>();

    @BeforeEach
    void open() {
        store = new SqliteStore(dir.resolve("data"), new EventBus());
    }

    @AfterEach
    void close() {
        registries.forEach(GraphRegistry::close);
        store.close();
    }

    /** A server's registry, following the store every {@code poll} (long: the tests look themselves unless they wait). */
    GraphRegistry server(String name, Path file, Duration poll) {
        var r = new GraphRegistry(GraphFileTest.JOB_FIELDS, file, Duration.ofMillis(50))
                .sharedThrough(new StoredGraphVersions(store, name), poll).start();
        registries.add(r);
        return r;
    }

    GraphRegistry server(String name, Path file) {
        return server(name, file, Duration.ofHours(1));
    }

    static String version(GraphRegistry r) {
        return r.current().orElseThrow().graph().version();
    }

    static String versionOf(String yaml) {
        return GraphFile.parse(yaml, GraphFileTest.JOB_FIELDS).version();
    }

    @Test
    void aPutOnOneServerComesIntoForceOnTheOthersAndABrokenOneReachesNone() {
        GraphRegistry a = server("a", null);
        GraphRegistry b = server("b", null, Duration.ofMillis(50));
        assertThat(b.current()).isEmpty();

        a.put(ONE);
        await().atMost(Duration.ofSeconds(20)).until(() -> b.current().isPresent());
        assertThat(version(b)).isEqualTo(versionOf(ONE));
        assertThat(b.current().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.DATABASE);
        assertThat(b.current().orElseThrow().acceptedBy()).isEqualTo("a (api)");

        assertThatThrownBy(() -> a.put(BROKEN)).isInstanceOf(GraphFileException.class);
        assertThat(store.newestGraphVersion(0).orElseThrow().version()).as("a refused version is not published")
                .isEqualTo(versionOf(ONE));

        // the latest accepted anywhere wins: b puts, then a follows b
        b.put(TWO);
        a.followShared();
        assertThat(version(a)).isEqualTo(versionOf(TWO));
        assertThat(a.current().orElseThrow().acceptedBy()).isEqualTo("b (api)");
        b.followShared(); // its own version: nothing changes
        assertThat(b.current().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.API);

        GraphRegistry later = server("c", null);
        assertThat(version(later)).as("a server started later takes the newest version").isEqualTo(versionOf(TWO));
    }

    @Test
    void atStartAFileSeenBeforeGivesWayToTheNewestVersionAndANewFileWins() throws Exception {
        Path fileA = Files.writeString(Files.createDirectories(dir.resolve("graph-a")).resolve("kiln.yaml"), ONE);
        GraphRegistry a = server("a", fileA);
        assertThat(store.newestGraphVersion(0).orElseThrow().source()).isEqualTo("file");
        a.put(TWO);

        // b starts with the same file as a: its content was accepted before, so the newer put is in force on b
        Path fileB = Files.writeString(Files.createDirectories(dir.resolve("graph-b")).resolve("kiln.yaml"), ONE);
        GraphRegistry b = server("b", fileB);
        assertThat(version(b)).isEqualTo(versionOf(TWO));
        assertThat(b.current().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.DATABASE);

        // c starts with content nobody accepted yet: the latest accepted, so it is published and a takes it
        Path fileC = Files.writeString(Files.createDirectories(dir.resolve("graph-c")).resolve("kiln.yaml"), THREE);
        GraphRegistry c = server("c", fileC);
        assertThat(version(c)).isEqualTo(versionOf(THREE));
        assertThat(c.current().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.FILE);
        a.followShared();
        assertThat(version(a)).isEqualTo(versionOf(THREE));

        // b's file changes while it runs: the latest accepted again, published, and a follows
        Files.writeString(fileB, TWO + "  d:\n    outputs: [\"d/{x}\"]\n    command: ./d.sh {x}\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> b.current().orElseThrow().origin() == GraphRegistry.Origin.FILE);
        a.followShared();
        assertThat(version(a)).isEqualTo(version(b));
        assertThat(a.current().orElseThrow().graph().definitions()).hasSize(3);
    }

    @Test
    void aPublishedVersionThisServerRefusesIsRefusedAsABadFileAndThePreviousStays() {
        GraphRegistry a = server("a", null);
        a.put(ONE);
        // another server (other rules, say a newer Kiln) accepted what this one cannot parse
        store.write(tx -> tx.insertGraphVersion(new GraphVersion(0, "elsewhere", BROKEN, "api", "newer", Instant.now()))).join();

        a.followShared();

        assertThat(version(a)).isEqualTo(versionOf(ONE));
        var failure = a.lastFailure().orElseThrow();
        assertThat(failure.origin()).isEqualTo(GraphRegistry.Origin.DATABASE);
        assertThat(failure.errors()).singleElement().satisfies(e -> assertThat(e.field()).isEqualTo("jobs.b.batch"));
        a.followShared(); // refused once, not again on every look
        assertThat(a.lastFailure()).isPresent();
    }
}
