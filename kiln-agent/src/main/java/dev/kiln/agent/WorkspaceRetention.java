package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps the workspaces of the most recent finished attempts, for looking into after a failure, and deletes older
 * ones: one workspace per attempt, never cleaned, would fill a long-running agent's disk. Workspaces of attempts the
 * agent still holds are never touched.
 */
final class WorkspaceRetention {
    private WorkspaceRetention() {}

    /**
     * Deletes all but the {@code keep} most recently modified workspaces under {@code workspaces} whose names are not
     * in {@code inUse}; returns how many it deleted.
     */
    static int prune(Path workspaces, int keep, Set<String> inUse) throws IOException {
        if (!Files.isDirectory(workspaces)) return 0;
        record Candidate(Path dir, FileTime modified) {}
        var candidates = new ArrayList<Candidate>();
        try (Stream<Path> dirs = Files.list(workspaces)) {
            for (Path dir : dirs.toList()) {
                if (!Files.isDirectory(dir) || inUse.contains(dir.getFileName().toString())) continue;
                try {
                    candidates.add(new Candidate(dir, Files.getLastModifiedTime(dir)));
                } catch (IOException gone) {
                    // deleted meanwhile
                }
            }
        }
        candidates.sort(Comparator.comparing(Candidate::modified).reversed());
        List<Candidate> old = candidates.subList(Math.min(keep, candidates.size()), candidates.size());
        for (Candidate c : old) Directories.deleteRecursively(c.dir());
        return old.size();
    }
}
