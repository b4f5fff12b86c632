package dev.kiln.server.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Queued jobs, ordered by priority (higher first) then submission order. Jobs are grouped by what they need
 * (requirements and pinned agent), so a dispatch pass looks at one head per group instead of every queued job:
 * 100,000 queued jobs for an architecture nobody has cost nothing per pass. Not thread-safe: used under the engine
 * lock.
 */
public final class JobQueue {

    /** What a group of jobs needs from an agent. */
    public record Needs(Map<String, String> requirements, String pinnedAgent) {
        public Needs {
            requirements = Map.copyOf(requirements);
        }
    }

    public record Entry(String jobId, int priority, long order, Needs needs, String type) {}

    public static final Comparator<Entry> ORDER = Comparator.comparingInt((Entry e) -> -e.priority())
            .thenComparingLong(Entry::order);

    private final Map<Needs, NavigableSet<Entry>> groups = new HashMap<>();
    private final Map<String, Entry> byId = new HashMap<>();

    public void add(Entry entry) {
        Objects.requireNonNull(entry);
        if (byId.putIfAbsent(entry.jobId(), entry) != null) return;
        groups.computeIfAbsent(entry.needs(), n -> new TreeSet<>(ORDER)).add(entry);
    }

    public boolean remove(String jobId) {
        Entry e = byId.remove(jobId);
        if (e == null) return false;
        var group = groups.get(e.needs());
        group.remove(e);
        if (group.isEmpty()) groups.remove(e.needs());
        return true;
    }

    public boolean contains(String jobId) {
        return byId.containsKey(jobId);
    }

    public Entry get(String jobId) {
        return byId.get(jobId);
    }

    public int size() {
        return byId.size();
    }

    /** The first entry of each group, best first. */
    public List<Entry> heads() {
        var heads = new ArrayList<Entry>(groups.size());
        for (var g : groups.values()) heads.add(g.first());
        heads.sort(ORDER);
        return heads;
    }

    /** 1-based position in the whole queue. */
    public int position(Entry entry) {
        int ahead = 0;
        for (var g : groups.values()) ahead += g.headSet(entry, false).size();
        return ahead + 1;
    }

    /** Jobs ahead of this one that compete for the same agents (same needs). */
    public int aheadInGroup(Entry entry) {
        var g = groups.get(entry.needs());
        return g == null ? 0 : g.headSet(entry, false).size();
    }

    /** The first {@code n} entries of the whole queue, in order. */
    public List<Entry> head(int n) {
        var all = new ArrayList<Entry>();
        for (var g : groups.values()) {
            int i = 0;
            for (var e : g) {
                if (i++ >= n) break;
                all.add(e);
            }
        }
        all.sort(ORDER);
        return all.size() > n ? all.subList(0, n) : all;
    }

    public Iterable<Entry> all() {
        return byId.values();
    }

    public Map<Needs, Integer> groupSizes() {
        var sizes = new HashMap<Needs, Integer>();
        groups.forEach((needs, set) -> sizes.put(needs, set.size()));
        return sizes;
    }
}
