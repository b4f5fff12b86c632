package dev.kiln.server.scheduler;

import dev.kiln.server.store.Store;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recent run durations per job type, for estimated waits: the mean of the last {@value #WINDOW} successful runs.
 * Seeded from the store the first time a type is asked about.
 */
public final class DurationStats {
    private static final int WINDOW = 20;
    private final Store store;
    private final Map<String, Deque<Long>> byType = new ConcurrentHashMap<>();

    public DurationStats(Store store) {
        this.store = store;
    }

    public void record(String type, long millis) {
        var window = window(type);
        synchronized (window) {
            window.addFirst(millis);
            while (window.size() > WINDOW) window.removeLast();
        }
    }

    /** Mean duration in ms, or null when nothing of this type has run yet. */
    Long meanMs(String type) {
        var window = window(type);
        synchronized (window) {
            if (window.isEmpty()) return null;
            return Math.round(window.stream().mapToLong(Long::longValue).average().orElse(0));
        }
    }

    /**
     * Seconds until a job with {@code ahead} jobs before it starts, when {@code capacity} slots can run it: each
     * "round" of {@code capacity} jobs takes about one mean duration. Null when it cannot be estimated.
     */
    public Long estimateWaitSeconds(String type, int ahead, int capacity) {
        Long mean = meanMs(type);
        if (mean == null || capacity <= 0) return null;
        long rounds = (ahead / capacity) + 1;
        return Math.max(0, Math.round(rounds * mean / 1000.0));
    }

    private Deque<Long> window(String type) {
        return byType.computeIfAbsent(type, t -> {
            List<Long> recent = store.recentDurationsMs(t, WINDOW);
            return new ArrayDeque<>(recent);
        });
    }
}
