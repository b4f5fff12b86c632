package dev.kiln.server.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphRegistryTest {
    static final String ONE = "jobs:\n  a:\n    outputs: [\"a/{x}\"]\n    command: ./a.sh {x}\n";
    static final String TWO = ONE + "  b:\n    outputs: [\"b/{x}\"]\n    inputs: [\"a/{x}\"]\n    command: ./b.sh {x}\n";
    static final String BROKEN = TWO + "    batch: 0\n";

    @TempDir Path dir;
    GraphRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) registry.close();
    }

    GraphRegistry watching(Path file) {
        registry = new GraphRegistry(GraphFileTest.JOB_FIELDS, file, Duration.ofMillis(50)).start();
        return registry;
    }

    String version() {
        return registry.current().orElseThrow().graph().version();
    }

    @Test
    void aChangedFileIsReloadedAndABrokenChangeKeepsTheOldVersion() throws Exception {
        Path file = Files.writeString(dir.resolve("kiln.yaml"), ONE);
        watching(file);
        String first = version();
        assertThat(registry.current().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.FILE);

        Files.writeString(file, TWO);
        await().atMost(Duration.ofSeconds(20)).until(() -> !version().equals(first));
        assertThat(registry.current().orElseThrow().graph().definitions()).hasSize(2);
        String second = version();

        Files.writeString(file, BROKEN);
        await().atMost(Duration.ofSeconds(20)).until(() -> registry.lastFailure().isPresent());
        assertThat(version()).isEqualTo(second);
        assertThat(registry.lastFailure().orElseThrow().errors()).singleElement().satisfies(e -> {
            assertThat(e.line()).isEqualTo(9);
            assertThat(e.field()).isEqualTo("jobs.b.batch");
        });

        // an editor's save: a new file renamed over the old one
        Path tmp = Files.writeString(dir.resolve(".kiln.yaml.swp"), ONE);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(20)).until(() -> version().equals(first));
        assertThat(registry.lastFailure()).isEmpty();
    }

    @Test
    void aPutWinsUntilTheFileChangesAgain() throws Exception {
        Path file = Files.writeString(dir.resolve("kiln.yaml"), ONE);
        watching(file);
        String fromFile = version();
        String put = registry.put(TWO).graph().version();
        assertThat(registry.current().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.API);

        // a touch without a change leaves the API's version in force
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(registry.reloadFile()).isFalse();
        assertThat(version()).isEqualTo(put);

        Files.writeString(file, ONE + "# changed\n"); // same graph, new content: the file takes over again
        await().atMost(Duration.ofSeconds(20)).until(() -> registry.current().orElseThrow().origin() == GraphRegistry.Origin.FILE);
        assertThat(version()).isEqualTo(fromFile);
    }

    @Test
    void aBrokenPutChangesNothing() {
        registry = new GraphRegistry(GraphFileTest.JOB_FIELDS, null, Duration.ofMillis(50)).start();
        assertThat(registry.current()).isEmpty();
        String v = registry.put(ONE).graph().version();
        assertThatThrownBy(() -> registry.put(BROKEN)).isInstanceOf(GraphFileException.class).hasMessageContaining("line 9");
        assertThat(version()).isEqualTo(v);
        assertThat(registry.lastFailure().orElseThrow().origin()).isEqualTo(GraphRegistry.Origin.API);
    }

    @Test
    void aBrokenFileAtStartLeavesNoGraphAndSaysWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("kiln.yaml"), BROKEN);
        watching(file);
        assertThat(registry.current()).isEmpty();
        assertThat(registry.lastFailure().orElseThrow().errors().get(0).line()).isEqualTo(9);
        assertThatThrownBy(() -> new GraphRegistry(GraphFileTest.JOB_FIELDS, dir.resolve("nope.yaml"), Duration.ZERO).start())
                .hasMessageContaining("no such file");
    }
}
