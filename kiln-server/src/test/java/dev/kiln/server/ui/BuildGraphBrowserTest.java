package dev.kiln.server.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.kiln.server.it.ExampleGraph;
import dev.kiln.server.it.KilnTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Browser tests of the build graph's pages: a real server with the example graph from its file, plus definitions made
 * for the cases (slow ones to watch and to delegate to, a failing one, one that makes 10,000 partitions in jobs of 366).
 */
abstract class BuildGraphBrowserTest extends BrowserTest {
    static final String WEEK = "reports/weekly/week=2026-W45";
    static final String EXTRA = """

              slow:
                outputs: ['slow/{n}']
                command: sleep 5; echo slow {n}
              hold:
                outputs: ['hold/{n}']
                command: sleep 40
              broken:
                outputs: ['broken/{n}']
                command: echo breaking {n}; exit 3
              after_broken:
                outputs: ['after/{n}']
                inputs: ['broken/{n}']
                command: echo never {n}
              many:
                outputs: ['many/{n}']
                command: 'true'
                batch: 366
            """;

    @Override
    KilnTestServer startServer(Path dataDir) {
        try {
            Path yaml = ExampleGraph.copyInto(dataDir.getParent());
            Files.writeString(yaml, Files.readString(yaml) + EXTRA);
            return KilnTestServer.start(dataDir, 8, c -> c.withGraphFile(yaml));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LocatorAssertions.HasTextOptions within(int seconds) {
        return new LocatorAssertions.HasTextOptions().setTimeout(seconds * 1000.0);
    }

    String build(List<String> partitions) {
        var r = api.post("/api/v1/builds", Map.of("partitions", partitions, "force", false));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        return r.json().get("id").asText();
    }

    JsonNode awaitBuild(String id, String... statuses) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> api.get("/api/v1/builds/" + id).json(),
                b -> List.of(statuses).contains(b.get("status").asText()));
    }
}
