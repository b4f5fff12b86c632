package dev.kiln.server.scheduler;

import dev.kiln.server.core.JobSpec;
import dev.kiln.server.store.Store;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long jobs run, for wait estimates: the mean of the last {@value #WINDOW} successful runs, kept at three levels
 * of likeness — jobs of the same type and name ({@link Kind}: a name defaults to the command's first line, so this is
 * "the same job"), of the same type, and any job. An expectation comes from the most alike level that has runs.
 *
 * <p>A level is read from the store once ({@link #load}, one indexed query, outside the engine lock) and then kept
 * up to date in memory by {@link #record}; {@link #expected} never touches the store. At most {@value #MAX_KINDS}
 * kinds are kept (least recently used go), so jobs with ever-new names cannot grow it without bound.
 */
public final class DurationStats {
    static final int WINDOW = 20;
    static final int MAX_KINDS = 10_000;

    /** What makes two jobs alike for their run time. */
    public record Kind(String type, String name) {
        public static Kind of(JobSpec spec) {
            return new Kind(spec.type(), spec.name());
        }
    }

    /** Which level an expectation came from, most alike first. */
    public enum Basis {
        SIMILAR("similar %s"), SAME_TYPE("%s of the same type"), ANY("recent %s of any job");

        private final String template;

        Basis(String template) {
            this.template = template;
        }

        /** "12 similar runs", "1 run of the same type". */
        public String describe(int runs) {
            return runs + " " + template.formatted(runs == 1 ? "run" : "runs");
        }
    }

    /** The expected run time of a kind of job: {@code ms}, from {@code runs} past runs of level {@code basis}. */
    public record Expected(long ms, int runs, Basis basis, String level) {}

    /** Where past runs are read from: {@link Store#recentDurationsMs}. */
    @FunctionalInterface
    interface History {
        List<Long> recentDurationsMs(String type, String name, int limit);
    }

    private final History store;
    private final Map<Kind, Window> byKind = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Kind, Window> eldest) {
            return size() > MAX_KINDS;
        }
    });
    private final Map<String, Window> byType = new ConcurrentHashMap<>();
    private volatile Window any;

    public DurationStats(Store store) {
        this(store::recentDurationsMs);
    }

    DurationStats(History history) {
        this.store = history;
    }

    /** A job of this kind succeeded after {@code millis}. Levels not loaded yet will read it from the store. */
    public void record(Kind kind, long millis) {
        Window w = byKind.get(kind);
        if (w != null) w.add(millis);
        w = byType.get(kind.type());
        if (w != null) w.add(millis);
        w = any;
        if (w != null) w.add(millis);
    }

    /**
     * Reads from the store the levels of these kinds not read yet, at most {@code budget} kinds (a request with
     * thousands of never-seen kinds ahead falls back to the type and global levels instead of waiting on the store).
     */
    public void load(Collection<Kind> kinds, int budget) {
        if (any == null) any = new Window(store.recentDurationsMs(null, null, WINDOW));
        int loaded = 0;
        for (Kind k : kinds) {
            byType.computeIfAbsent(k.type(), t -> new Window(store.recentDurationsMs(t, null, WINDOW)));
            if (byKind.containsKey(k)) continue;
            if (loaded++ >= budget) continue;
            byKind.put(k, new Window(store.recentDurationsMs(k.type(), k.name(), WINDOW)));
        }
    }

    /** The expected run time of {@code kind} from what is loaded, or null when no job has succeeded yet. */
    public Expected expected(Kind kind) {
        Window w = byKind.get(kind);
        if (w != null && w.size() > 0) return w.expected(Basis.SIMILAR, "kind:" + kind.type() + "/" + kind.name());
        w = byType.get(kind.type());
        if (w != null && w.size() > 0) return w.expected(Basis.SAME_TYPE, "type:" + kind.type());
        w = any;
        if (w != null && w.size() > 0) return w.expected(Basis.ANY, "any");
        return null;
    }

    /** The last {@value #WINDOW} durations of one level and their sum, so a mean costs nothing. */
    private static final class Window {
        private final Deque<Long> recent = new ArrayDeque<>();
        private long sum;

        Window(List<Long> newestFirst) {
            for (long ms : newestFirst) {
                recent.addLast(ms);
                sum += ms;
            }
        }

        synchronized void add(long ms) {
            recent.addFirst(ms);
            sum += ms;
            while (recent.size() > WINDOW) sum -= recent.removeLast();
        }

        synchronized int size() {
            return recent.size();
        }

        synchronized Expected expected(Basis basis, String level) {
            return new Expected(Math.round((double) sum / recent.size()), recent.size(), basis, level);
        }
    }
}
