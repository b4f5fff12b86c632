package dev.kiln.server.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layers of docs/architecture.md, checked against the sources: a package may use its own layer's
 * package only if it is itself, and any package of a lower layer; never one above. Keeps the diagram true.
 */
class PackageLayersTest {
    /** Layer of each top-level package under dev.kiln.server; the root package (the composition root) is on top. */
    static final Map<String, Integer> LAYER = Map.ofEntries(
            Map.entry("core", 0),
            Map.entry("events", 1), Map.entry("logs", 1),
            Map.entry("store", 2),
            Map.entry("fleet", 3),
            Map.entry("scheduler", 4),
            Map.entry("jobs", 5), Map.entry("live", 5), Map.entry("auth", 5), Map.entry("artifacts", 5),
            Map.entry("graph", 5),
            Map.entry("ops", 5),
            Map.entry("builds", 6),
            Map.entry("http", 7),
            Map.entry("", 8));

    static final Pattern PACKAGE = Pattern.compile("^package dev\\.kiln\\.server\\.?([a-z]*)", Pattern.MULTILINE);
    static final Pattern USE = Pattern.compile("dev\\.kiln\\.server\\.([a-z]+)\\.");

    @Test
    void everyPackageUsesOnlyLowerLayers() throws IOException {
        Path main = Path.of("src/main/java/dev/kiln/server");
        var violations = new ArrayList<String>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(main)) {
            sources = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        assertThat(sources).hasSizeGreaterThan(50);
        for (Path source : sources) {
            String text = Files.readString(source);
            Matcher p = PACKAGE.matcher(text);
            assertThat(p.find()).as(source.toString()).isTrue();
            String own = p.group(1);
            assertThat(LAYER).as("the layer of package '%s' (%s)", own, source).containsKey(own);
            Matcher use = USE.matcher(text);
            while (use.find()) {
                String used = use.group(1);
                if (used.equals(own)) continue;
                Integer layer = LAYER.get(used);
                if (layer == null || layer >= LAYER.get(own)) {
                    violations.add(source.getFileName() + " (" + own + ") uses " + used);
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
