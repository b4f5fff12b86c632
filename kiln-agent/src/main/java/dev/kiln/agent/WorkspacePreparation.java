package dev.kiln.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Gives an attempt an empty workspace, and clears its control files before the run and after it. */
final class WorkspacePreparation {
    private WorkspacePreparation() {}

    /** Anything left by an earlier run of this very attempt (an agent restart) is deleted first. */
    static void prepare(JobPaths paths, JobLog log) throws StartFailure {
        try {
            Directories.deleteRecursively(paths.workspace());
            deleteControlFiles(paths, log);
            Files.createDirectories(paths.workspace());
            // shared by all jobs: there from the second job on, and createDirectories finds that out by an exception
            Path control = paths.outputFile().getParent();
            if (!Files.isDirectory(control)) Files.createDirectories(control);
        } catch (IOException e) {
            throw new StartFailure("cannot prepare workspace " + paths.workspace() + ": " + e.getMessage());
        }
        log.system("workspace " + paths.workspace());
    }

    static void deleteControlFiles(JobPaths paths, JobLog log) {
        try {
            Directories.deleteIfPresent(paths.outputFile());
            Directories.deleteIfPresent(paths.eventsFile());
        } catch (IOException e) {
            log.system("warning: could not delete " + paths.outputFile().getParent() + " files of this job: " + e.getMessage());
        }
    }
}
