package dev.kiln.server.store;

import dev.kiln.server.core.JobSpec;
import java.util.List;

/**
 * One job of a build's plan, at {@code position} in dependency order. {@code jobId} is set once it became a Kiln
 * job (at {@code submittedAt}); {@code status} is {@code waiting}, {@code skipped} or that job's status. {@code waitsFor}: the builds it
 * waits for (active delegation). {@code spec} is what is submitted (null for a config step's entry).
 */
public record BuildJob(String buildId, int position, String key, String definition, String jobId, String status,
                       List<String> partitions, List<String> dependsOn, List<String> waitsFor, boolean configStep,
                       JobSpec spec, String reason, java.time.Instant submittedAt) {
    public BuildJob {
        partitions = List.copyOf(partitions);
        dependsOn = List.copyOf(dependsOn);
        waitsFor = List.copyOf(waitsFor);
    }

    public BuildJob with(String newStatus, String newReason) {
        return new BuildJob(buildId, position, key, definition, jobId, newStatus, partitions, dependsOn, waitsFor,
                configStep, spec, newReason, submittedAt);
    }

    public BuildJob submitted(String newJobId, java.time.Instant at) {
        return new BuildJob(buildId, position, key, definition, newJobId, "queued", partitions, dependsOn, waitsFor,
                configStep, spec, null, at);
    }

    public BuildJob withSpec(JobSpec newSpec) {
        return new BuildJob(buildId, position, key, definition, jobId, status, partitions, dependsOn, waitsFor,
                configStep, newSpec, reason, submittedAt);
    }
}
