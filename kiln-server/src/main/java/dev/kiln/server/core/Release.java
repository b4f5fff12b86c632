package dev.kiln.server.core;

import java.time.Instant;
import java.util.List;

/**
 * A promoted job (seed 004): name and version, the job it came from, its files with their SHA-256, and one checksum
 * over them all ({@code manifestSha256}, the SHA-256 of {@link #manifest()}). Immutable once made.
 */
public record Release(String name, String version, String jobId, List<FileRef> files, String manifestSha256,
                      String promotedBy, Instant promotedAt) {

    public Release {
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** The manifest: one {@code <sha256>  <path>} line per file, by path — the format {@code sha256sum -c} reads. */
    public static String manifest(List<FileRef> files) {
        var sb = new StringBuilder();
        files.stream().sorted(java.util.Comparator.comparing(FileRef::path))
                .forEach(f -> sb.append(f.sha256()).append("  ").append(f.path()).append('\n'));
        return sb.toString();
    }

    public String manifest() {
        return manifest(files);
    }
}
