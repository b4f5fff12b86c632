package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File-tree housekeeping shared by the agent's workspaces and the benchmark's data dirs. */
public final class Directories {
    private Directories() {}

    /** Deletes a directory and everything under it, including read-only files a job left behind; absent is fine. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Deletes a file if it is there; false if it was not. Absent is the common case for a job's control and spool
     * files: {@link Files#deleteIfExists} finds that out by throwing (and catching) an exception inside, which costs
     * more than the one {@code access} call of {@link Files#exists} that answers it here.
     */
    public static boolean deleteIfPresent(Path file) throws IOException {
        return Files.exists(file) && Files.deleteIfExists(file);
    }
}
