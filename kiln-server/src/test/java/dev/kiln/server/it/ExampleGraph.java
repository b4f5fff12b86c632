package dev.kiln.server.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The repository's example build graph (examples/daily-reports), copied into a test's directory so its jobs can run. */
public final class ExampleGraph {
    static final Path EXAMPLE = Path.of("../examples/daily-reports");

    private ExampleGraph() {}

    /** The example copied under {@code dir}, PIPELINE_HOME pointing at the copy; returns its kiln.yaml. */
    public static Path copyInto(Path dir) throws IOException {
        Path home = Files.createDirectories(dir.resolve("daily-reports"));
        try (Stream<Path> files = Files.list(EXAMPLE)) {
            for (Path f : files.toList()) {
                Path copy = Files.copy(f, home.resolve(f.getFileName()));
                copy.toFile().setExecutable(f.toFile().canExecute());
            }
        }
        Path yaml = home.resolve("kiln.yaml");
        Files.writeString(yaml, Files.readString(yaml).replace("/srv/daily-reports", home.toString()));
        return yaml;
    }
}
