package dev.kiln.server.live;

import dev.kiln.server.events.Event;
import java.util.Arrays;
import java.util.List;

/**
 * Which events one stream client asked for: those of one job ({@code jobId}, null for all) whose kind starts with
 * any of {@code kinds} (empty for all). Synthetic snapshots (activity) go only to clients of every job.
 */
public record EventFilter(String jobId, List<String> kinds) {
    public EventFilter {
        kinds = List.copyOf(kinds);
    }

    /** From the query's {@code kinds=a,b} (null or blank: every kind). */
    public static EventFilter of(String jobId, String kindsParam) {
        List<String> kinds = kindsParam == null ? List.of()
                : Arrays.stream(kindsParam.split(",")).map(String::strip).filter(k -> !k.isEmpty()).toList();
        return new EventFilter(jobId, kinds);
    }

    public boolean test(Event e) {
        if (e.id() == 0 && jobId != null) return false;
        return (jobId == null || jobId.equals(e.jobId())) && kindMatches(e.kind());
    }

    /** Whether the client gets the activity snapshot (it follows the replay). */
    public boolean wantsActivity() {
        return jobId == null && kindMatches("activity");
    }

    private boolean kindMatches(String kind) {
        return kinds.isEmpty() || kinds.stream().anyMatch(kind::startsWith);
    }
}
