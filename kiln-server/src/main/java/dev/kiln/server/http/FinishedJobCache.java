package dev.kiln.server.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rendered JSON of finished jobs. A finished job never changes (a re-run is a new job), so its detail view is built
 * once and served from memory: the job page of a finished build costs a map lookup, not two queries and a render.
 * Least recently used entries go first past {@code capacity}.
 */
public final class FinishedJobCache {
    private final Map<String, byte[]> entries;

    public FinishedJobCache(int capacity) {
        this.entries = new LinkedHashMap<>(capacity, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized byte[] get(String jobId) {
        return entries.get(jobId);
    }

    synchronized void put(String jobId, byte[] json) {
        entries.put(jobId, json);
    }

    /** Forgets a job that was deleted (retention): a finished job never changes, but it may go. */
    public synchronized void evict(String jobId) {
        entries.remove(jobId);
    }
}
