package dev.kiln.agent;

import java.nio.file.Path;

/**
 * Where one attempt keeps its files under the agent's work dir. Every file is named after the attempt
 * ({@link #attemptName}, kept as {@code name}), so a retry never meets the files of an earlier attempt.
 */
record JobPaths(String name, Path workspace, Path outputFile, Path eventsFile, Path spoolFile) {

    static JobPaths of(Path workDir, String jobId, int attempt) {
        String name = attemptName(jobId, attempt);
        // $KILN_OUTPUT and $KILN_EVENTS live outside the workspace, in one directory for all jobs, and are created by
        // the job when it first writes to them: no per-job directory or empty files to make before the spawn.
        Path control = workDir.resolve("control");
        return new JobPaths(name, workspacesDir(workDir).resolve(name), control.resolve(name + ".output"),
                control.resolve(name + ".events"), workDir.resolve("spool").resolve(name + ".jsonl"));
    }

    static Path workspacesDir(Path workDir) {
        return workDir.resolve("workspaces");
    }

    /** The name of an attempt's workspace directory, and the stem of its other files. */
    static String attemptName(String jobId, int attempt) {
        return jobId + "-" + attempt;
    }
}
