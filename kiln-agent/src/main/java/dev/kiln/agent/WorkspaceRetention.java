package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collection;
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
        List<String> old = beyondKeep(oldestFirst(workspaces), keep, inUse);
        for (String name : old) delete(workspaces.resolve(name));
        return old.size();
    }

    /** The names of the workspaces under {@code workspaces}, least recently modified first (none if it is absent). */
    static List<String> oldestFirst(Path workspaces) throws IOException {
        if (!Files.isDirectory(workspaces)) return List.of();
        record Candidate(String name, FileTime modified) {}
        var candidates = new ArrayList<Candidate>();
        try (Stream<Path> dirs = Files.list(workspaces)) {
            for (Path dir : dirs.toList()) {
                if (!Files.isDirectory(dir)) continue;
                try {
                    candidates.add(new Candidate(dir.getFileName().toString(), Files.getLastModifiedTime(dir)));
                } catch (IOException gone) {
                    // deleted meanwhile
                }
            }
        }
        candidates.sort(Comparator.comparing(Candidate::modified));
        return candidates.stream().map(Candidate::name).toList();
    }

    /** Of {@code oldestFirst}, those not in use and older than the {@code keep} newest not in use. */
    static List<String> beyondKeep(Collection<String> oldestFirst, int keep, Set<String> inUse) {
        var free = oldestFirst.stream().filter(name -> !inUse.contains(name)).toList();
        return free.subList(0, Math.max(0, free.size() - keep));
    }

    /** Deletes one workspace; an empty one (a job that wrote nothing) with one system call, without a walk. */
    static void delete(Path workspace) throws IOException {
        try {
            Files.delete(workspace);
        } catch (java.nio.file.NoSuchFileException gone) {
            // deleted meanwhile
        } catch (java.nio.file.DirectoryNotEmptyException full) {
            Directories.deleteRecursively(workspace);
        }
    }
}
