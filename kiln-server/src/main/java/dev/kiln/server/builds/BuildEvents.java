package dev.kiln.server.builds;

import static dev.kiln.server.events.Event.data;

import dev.kiln.server.events.Event;
import java.util.List;

/** Every event of a build's life, with its payload: the one place their names and fields are decided. */
final class BuildEvents {
    private BuildEvents() {}

    static Event status(String buildId, BuildStatus status, Object... more) {
        var payload = data(more);
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("build_id", buildId);
        m.put("status", status.wireName());
        m.putAll(payload);
        return Event.draft(null, "build." + status.wireName(), m);
    }

    static Event planned(String buildId, String graphVersion, int jobs, int skipped, int delegated) {
        return Event.draft(null, "build.planned", data("build_id", buildId, "graph_version", graphVersion,
                "jobs", jobs, "skipped", skipped, "delegated", delegated));
    }

    static Event jobScheduled(String buildId, String key, String jobId, List<String> partitions) {
        return Event.draft(null, "build.job_scheduled", data("build_id", buildId, "key", key, "job_id", jobId,
                "partitions", partitions));
    }

    static Event jobStarted(String buildId, String key, String jobId) {
        return Event.draft(null, "build.job_started", data("build_id", buildId, "key", key, "job_id", jobId));
    }

    static Event jobFinished(String buildId, String key, String jobId, String status) {
        return Event.draft(null, "build.job_finished", data("build_id", buildId, "key", key, "job_id", jobId,
                "status", status));
    }

    static Event jobSkipped(String buildId, String key, String reason) {
        return Event.draft(null, "build.job_skipped", data("build_id", buildId, "key", key, "reason", reason));
    }

    /** In the waiting build's timeline ({@code to_build} makes it) and, with {@code from_build}, in the maker's. */
    static Event delegated(String buildId, String ref, String toBuild, String fromBuild, String kind) {
        return Event.draft(null, "build.delegated", data("build_id", buildId, "ref", ref, "to_build", toBuild,
                "from_build", fromBuild, "kind", kind));
    }

    static Event partition(String buildId, String ref, String status, String jobId) {
        return Event.draft(null, "partition.status", data("build_id", buildId, "ref", ref, "status", status,
                "job_id", jobId));
    }
}
