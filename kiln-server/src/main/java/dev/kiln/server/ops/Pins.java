package dev.kiln.server.ops;

/**
 * Jobs retention must keep whatever their age: what a release or a build's available partitions point to. Neither
 * exists yet, so today nothing is pinned ({@link #NONE}) and only active jobs are protected (by
 * {@link RetentionRules}). The build graph implements this and hands it to the composition root.
 */
@FunctionalInterface
public interface Pins {
    Pins NONE = jobId -> false;

    boolean isPinned(String jobId);
}
