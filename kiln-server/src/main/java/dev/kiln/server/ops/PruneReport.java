package dev.kiln.server.ops;

import java.util.List;

/**
 * What a retention pass deleted (or, on a dry run, would delete): whole jobs, jobs whose log went, artifact rows,
 * artifact files; the data size (database + artifact files) before and after; the first ids of the jobs deleted
 * whole. On a dry run {@code bytesAfter} is an estimate.
 */
public record PruneReport(boolean dryRun, int jobs, int logs, int artifacts, int files, long bytesBefore,
                          long bytesAfter, List<String> jobIds) {
    public boolean deletedAnything() {
        return jobs + logs + artifacts + files > 0;
    }
}
