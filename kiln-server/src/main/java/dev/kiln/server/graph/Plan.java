package dev.kiln.server.graph;

import dev.kiln.server.core.JobSpec;
import java.util.List;
import java.util.Map;

/**
 * What it takes to make the requested partitions available: the jobs in dependency order (each depends only on jobs
 * before it), and the partitions that are not built because they are available (skipped) or another active build
 * request builds them (delegated). {@code graphVersion} is the graph that planned it; a build request keeps it.
 */
public record Plan(String graphVersion, boolean force, List<Requested> requested, List<PlannedJob> jobs,
                   List<Skipped> skipped, List<Delegated> delegated) {

    public enum Outcome { BUILD, SKIP, DELEGATE }

    /** A requested ref and what the plan does for it: the job that builds it, or why it is not built. */
    public record Requested(String ref, String definition, Outcome outcome, String job, String buildId) {}

    /**
     * A job to run: {@code key} names it within the plan ({@code daily_report#1}); {@code spec} is an ordinary Kiln
     * job (command rendered, env with {@code KILN_PARTITIONS} and the placeholders); {@code dependsOn} the keys of
     * jobs that must succeed first; {@code waitsForBuilds} the active build requests whose partitions it needs.
     * A definition with {@code config} needs a planning step (its script run on an agent) before it can run.
     */
    public record PlannedJob(String key, String definition, List<String> partitions,
                             Map<String, List<String>> placeholders, JobSpec spec, List<String> dependsOn,
                             List<String> waitsForBuilds, String config) {
        public boolean needsConfigStep() {
            return config != null;
        }
    }

    /** Not built: available already (historical delegation). */
    public record Skipped(String ref, String definition, String reason) {}

    /** Not built here: the active build request {@code buildId} builds it (active delegation). */
    public record Delegated(String ref, String definition, String buildId) {}

    public Plan {
        requested = List.copyOf(requested);
        jobs = List.copyOf(jobs);
        skipped = List.copyOf(skipped);
        delegated = List.copyOf(delegated);
    }
}
