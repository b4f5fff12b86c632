package dev.kiln.server.live;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What is busy now, for the header indicator (seed 003): one item per unfinished job with a label a person reads
 * at a glance, most relevant first (running before starting before queued; newest first).
 */
public final class Activity {
    private Activity() {}

    public record Item(String key, String jobId, String name, String type, String status, String label, Instant since) {}

    public static List<Item> items(List<Job> active) {
        return active.stream()
                .sorted(Comparator.comparingInt((Job j) -> rank(j.status()))
                        .thenComparing((Job j) -> since(j), Comparator.reverseOrder()))
                .map(j -> new Item("job:" + j.id(), j.id(), j.spec().name(), j.spec().type(), j.status().wireName(),
                        label(j), since(j)))
                .toList();
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

    private static int rank(JobStatus s) {
        return switch (s) {
            case RUNNING, CANCELLING, STOPPING -> 0;
            case ASSIGNED -> 1;
            default -> 2;
        };
    }

    private static Instant since(Job j) {
        if (j.startedAt() != null && j.status() != JobStatus.QUEUED) return j.startedAt();
        return j.queuedAt() != null ? j.queuedAt() : j.createdAt();
    }

    /** "Building…", "Build queued…", "Server running (web)", "Stopping server…": the words of seed 003. */
    static String label(Job j) {
        boolean service = j.spec().service();
        String noun = nounFor(j.spec().type());
        String name = j.spec().name();
        return switch (j.status()) {
            case RUNNING -> service ? "Server running (" + name + ")" : verbFor(j.spec().type()) + " (" + name + ")";
            case ASSIGNED -> service ? "Starting server…" : "Starting " + noun.toLowerCase() + "…";
            case QUEUED -> noun + " queued…";
            case CANCELLING -> "Cancelling " + noun.toLowerCase() + "…";
            case STOPPING -> "Stopping server…";
            default -> j.status().wireName();
        };
    }

    private static String verbFor(String type) {
        return switch (type) {
            case "build" -> "Building…";
            case "test" -> "Testing…";
            case "deploy" -> "Deploying…";
            case "plan" -> "Planning…";
            default -> "Running " + type + "…";
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
