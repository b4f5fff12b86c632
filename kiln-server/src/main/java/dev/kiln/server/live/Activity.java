package dev.kiln.server.live;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What is busy now, for the header indicator (seed 003): one item per unfinished job with a label a person reads
 * at a glance, the most recent first (by the time it entered its current phase: started, else queued), so the
 * indicator shows the newest thing that happened and counts the rest.
 */
public final class Activity {
    private Activity() {}

    public record Item(String key, String jobId, String name, String type, String status, String label, Instant since,
                       boolean service) {}

    private static final Comparator<Item> NEWEST_FIRST = Comparator.comparing(Item::since, Comparator.reverseOrder())
            .thenComparing(Item::jobId);

    public static List<Item> items(List<Job> active) {
        // the items sorted, not the jobs: each job's time is worked out once, not at every comparison
        var items = new ArrayList<Item>(active.size());
        for (Job j : active) {
            items.add(new Item("job:" + j.id(), j.id(), j.spec().name(), j.spec().type(), j.status().wireName(),
                    label(j), since(j), j.spec().service()));
        }
        items.sort(NEWEST_FIRST);
        return Collections.unmodifiableList(items);
    }

    public static Map<String, Object> snapshot(List<Job> active) {
        return snapshot(active, List.of());
    }

    /** {@code builds}: build requests executing now ({@code {kind: "build", id, status, label}}), listed apart. */
    public static Map<String, Object> snapshot(List<Job> active, List<Map<String, Object>> builds) {
        var items = items(active);
        var m = new LinkedHashMap<String, Object>();
        m.put("busy", !items.isEmpty() || !builds.isEmpty());
        m.put("count", items.size());
        m.put("primary", items.isEmpty() ? null : items.get(0));
        m.put("items", items);
        m.put("builds", builds);
        return m;
    }

    private static Instant since(Job j) {
        if (j.readyAt() != null && j.status() == JobStatus.RUNNING) return j.readyAt();
        if (j.startedAt() != null && j.status() != JobStatus.QUEUED) return j.startedAt();
        return j.queuedAt() != null ? j.queuedAt() : j.createdAt();
    }

    /**
     * One label per kind and state, in seed 003's words: "Build queued…", "Building (web)", "Starting server…",
     * "Server running (web)", "Stopping server…". A service is starting from the queue until it runs and, with
     * {@code ready_when}, until it is ready.
     */
    static String label(Job j) {
        String name = j.spec().name();
        if (j.spec().service()) {
            return switch (j.status()) {
                case QUEUED, ASSIGNED -> "Starting server…";
                case RUNNING -> j.starting() ? "Starting server…" : "Server running (" + name + ")";
                case STOPPING -> "Stopping server…";
                case CANCELLING -> "Cancelling server…";
                default -> j.status().wireName();
            };
        }
        String noun = nounFor(j.spec().type());
        return switch (j.status()) {
            case RUNNING -> verbFor(j.spec().type()) + " (" + name + ")";
            case ASSIGNED -> "Starting " + noun.toLowerCase() + "…";
            case QUEUED -> noun + " queued…";
            case CANCELLING -> "Cancelling " + noun.toLowerCase() + "…";
            default -> j.status().wireName();
        };
    }

    private static String verbFor(String type) {
        return switch (type) {
            case "build" -> "Building";
            case "test" -> "Testing";
            case "deploy" -> "Deploying";
            case "plan" -> "Planning";
            default -> "Running " + type;
        };
    }
    private static String nounFor(String type) {
        return switch (type) {
            case "build" -> "Build";
            case "test" -> "Test";
            case "deploy" -> "Deploy";
            case "plan" -> "Plan";
            default -> "Job";
        };
    }
}
