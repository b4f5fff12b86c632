package dev.kiln.server.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Queued jobs, ordered by priority (higher first) then submission order. Jobs are grouped by what they need
 * (requirements and pinned agent), so a dispatch pass looks at one head per group instead of every queued job:
 * 100,000 queued jobs for an architecture nobody has cost nothing per pass. A retry waiting out its backoff is
 * queued but <em>held</em> apart, ordered by the time it may go, until {@link #release} moves it into its group; so
 * it never blocks the jobs behind it. Not thread-safe: used under the engine lock.
 */
public final class JobQueue {

    /** What a group of jobs needs from an agent. */
    public record Needs(Map<String, String> requirements, String pinnedAgent) {
        public Needs {
            requirements = Map.copyOf(requirements);
        }
    }

    /** {@code kind}: what makes jobs alike for run-time estimates. */
    public record Entry(String jobId, int priority, long order, Needs needs, DurationStats.Kind kind) {}

    /** A held entry and the time it may be dispatched. */
    public record Held(Entry entry, Instant notBefore) {}

    private static final Comparator<Held> BY_TIME = Comparator.comparing(Held::notBefore)
            .thenComparing(Held::entry, Comparator.comparingLong(Entry::order));

    // The job id breaks ties: the groups are sorted sets, and an entry equal to another by order alone would be
    // dropped. Orders can tie when jobs come from several servers (their database seq beside a local counter).
    public static final Comparator<Entry> ORDER = Comparator.comparingInt((Entry e) -> -e.priority())
            .thenComparingLong(Entry::order).thenComparing(Entry::jobId);

    private final Map<Needs, NavigableSet<Entry>> groups = new HashMap<>();
    private final Map<String, Entry> byId = new HashMap<>();
    private final Map<String, Held> heldById = new HashMap<>();
    private final NavigableSet<Held> held = new TreeSet<>(BY_TIME);

    public void add(Entry entry) {
        Objects.requireNonNull(entry);
        if (byId.putIfAbsent(entry.jobId(), entry) != null) return;
        groups.computeIfAbsent(entry.needs(), n -> new TreeSet<>(ORDER)).add(entry);
    }

    /** Queues {@code entry} but holds it until {@code notBefore} (a retry's backoff); see {@link #release}. */
    public void hold(Entry entry, Instant notBefore) {
        Objects.requireNonNull(notBefore);
        if (byId.containsKey(entry.jobId()) || heldById.containsKey(entry.jobId())) return;
        var h = new Held(entry, notBefore);
        heldById.put(entry.jobId(), h);
        held.add(h);
    }

    /** Moves every held entry whose time has come into the queue proper. */
    public void release(Instant now) {
        while (!held.isEmpty() && !held.first().notBefore().isAfter(now)) {
            var h = held.pollFirst();
            heldById.remove(h.entry().jobId());
            add(h.entry());
        }
    }

    /** When the next held entry may go, or null when none is held: the dispatcher's next wake-up. */
    public Instant nextRelease() {
        return held.isEmpty() ? null : held.first().notBefore();
    }

    /** The time a held job may go, or null when it is not held. */
    public Instant heldUntil(String jobId) {
        var h = heldById.get(jobId);
        return h == null ? null : h.notBefore();
    }

    public boolean remove(String jobId) {
        var h = heldById.remove(jobId);
        if (h != null) {
            held.remove(h);
            return true;
        }
        Entry e = byId.remove(jobId);
        if (e == null) return false;
        var group = groups.get(e.needs());
        group.remove(e);
        if (group.isEmpty()) groups.remove(e.needs());
        return true;
    }

    public boolean contains(String jobId) {
        return byId.containsKey(jobId) || heldById.containsKey(jobId);
    }

    /** The entry of a queued job, held or not; null when it is not queued. */
    public Entry get(String jobId) {
        Entry e = byId.get(jobId);
        if (e != null) return e;
        var h = heldById.get(jobId);
        return h == null ? null : h.entry();
    }

    /** Every queued job, held ones included. */
    public int size() {
        return byId.size() + heldById.size();
    }

    /** The first entry of each group, best first. */
    public List<Entry> heads() {
        var heads = new ArrayList<Entry>(groups.size());
        for (var g : groups.values()) heads.add(g.first());
        heads.sort(ORDER);
        return heads;
    }


    /** Jobs ahead of this one that compete for the same agents (same needs). */
    public int aheadInGroup(Entry entry) {
        var g = groups.get(entry.needs());
        return g == null ? 0 : g.headSet(entry, false).size();
    }

    /** A stretch of jobs of one kind, one after the other in the queue. */
    public record Run(DurationStats.Kind kind, int count) {}

    /** Where an entry stands: its 1-based position in the whole queue, and the jobs ahead of it in its group. */
    public record Standing(int position, List<Run> aheadInGroup) {}

    /**
     * The entry's 1-based position in the whole queue and the kinds of the jobs ahead of it in its group, in dispatch order, as runs
     * (for a held entry: where it will stand). One pass over the jobs ahead, and no list of them: 100,000 builds of
     * one kind ahead are one run.
     */
    public Standing standing(Entry entry) {
        int ahead = 0;
        var runs = new ArrayList<Run>();
        for (var g : groups.entrySet()) {
            if (!g.getKey().equals(entry.needs())) {
                ahead += g.getValue().headSet(entry, false).size();
                continue;
            }
            DurationStats.Kind kind = null;
            int count = 0;
            for (Entry e : g.getValue().headSet(entry, false)) {
                ahead++;
                if (kind != null && (e.kind() == kind || e.kind().equals(kind))) {
                    count++;
                    continue;
                }
                if (kind != null) runs.add(new Run(kind, count));
                kind = e.kind();
                count = 1;
            }
            if (kind != null) runs.add(new Run(kind, count));
        }
        return new Standing(ahead + 1, runs);
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

    /** Every queued job that is not held. */
    public Iterable<Entry> all() {
        return byId.values();
    }

    /** How many queued jobs (held retries included) need what. */
    public Map<Needs, Integer> groupSizes() {
        var sizes = new HashMap<Needs, Integer>();
        groups.forEach((needs, set) -> sizes.put(needs, set.size()));
        heldById.values().forEach(h -> sizes.merge(h.entry().needs(), 1, Integer::sum));
        return sizes;
    }
}
