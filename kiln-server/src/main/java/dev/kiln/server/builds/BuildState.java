package dev.kiln.server.builds;

import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.events.Event;
import dev.kiln.server.graph.Graph;
import dev.kiln.server.graph.PartitionState;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.jobs.JobEngine;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.PartitionRecord;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreTx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the build engine's parts share: the store, job engine and graph handles, the one thread every decision runs
 * on ({@code kiln-builds}), the active builds and the job links they track, and the {@link Writes} commit path.
 * Fields marked "engine thread only" are touched on that thread alone.
 */
final class BuildState {
    final Store store;
    final JobEngine jobs;
    final Supplier<Graph> graph;
    final ExecutorService thread = Executors.newSingleThreadExecutor(DaemonThreads.named("kiln-builds"));
    /** Set once by the engine: a commit moves waiting builds on through it. */
    BuildProgress progress;

    // engine thread only
    final Map<String, ActiveBuild> builds = new LinkedHashMap<>();
    /** Refs another build waits for → the builds waiting (active delegation). */
    final Map<String, Set<String>> waiters = new HashMap<>();
    // read by other threads too
    /** Partitions planned and not yet settled → the build that makes them: what a new plan delegates to. */
    final Map<String, String> inFlight = new ConcurrentHashMap<>();
    /** The executing builds as last committed (what the activity feed shows). */
    final Map<String, BuildRecord> executingView = new ConcurrentHashMap<>();
    /** Kiln job id → its build and plan position. */
    final Map<String, JobLink> tracked = new ConcurrentHashMap<>();

    record JobLink(String buildId, int position) {}

    BuildState(Store store, JobEngine jobs, Supplier<Graph> graph) {
        this.store = store;
        this.jobs = jobs;
        this.graph = graph;
    }

    Writes writes() {
        return new Writes();
    }

    /** What the planner sees of partitions: in flight in an active build, available, or missing. */
    Map<String, PartitionState> states(Collection<String> refs) {
        var out = new HashMap<String, PartitionState>();
        var stored = new ArrayList<String>();
        for (String ref : refs) {
            String maker = inFlight.get(ref);
            if (maker != null) out.put(ref, new PartitionState.InFlight(maker));
            else stored.add(ref);
        }
        store.partitions(stored).forEach((ref, p) -> {
            if (p.status().equals("available")) out.put(ref, PartitionState.AVAILABLE);
        });
        return out;
    }

    void undrive(ActiveBuild b, Writes w) {
        BuildRecord r = b.record;
        b.record = new BuildRecord(r.id(), r.seq(), r.status(), r.force(), r.graphVersion(), r.requested(), r.requestedCount(), r.counts(),
                r.jobsTotal(), r.jobsDone(), r.createdAt(), r.startedAt(), r.endedAt(), r.reason(), r.createdBy(), false);
        builds.remove(b.id());
        waiters.values().forEach(s -> s.remove(b.id()));
        w.build = b;
    }

    // ---------------------------------------------------------------- writing

    /** What one decision changes, written in one transaction; waiting builds are moved on after it commits. */
    final class Writes {
        boolean insert;
        ActiveBuild build;
        final List<Event> events = new ArrayList<>();
        final List<BuildPartition> requested = new ArrayList<>();
        final List<BuildJob> jobs = new LastPerKey<>(new LinkedHashMap<Integer, BuildJob>(), BuildJob::position);
        final Map<String, PartitionRecord> partitionsByRef = new LinkedHashMap<>();
        final List<PartitionRecord> partitions = new LastPerKey<>(partitionsByRef, PartitionRecord::ref);
        final Set<String> deleted = new LinkedHashSet<>();
        final List<Runnable> afterCommit = new ArrayList<>();
        /** Plan jobs to submit once this write commits, in one go. */
        final List<JobEngine.Submission> submissions = new ArrayList<>();
        final Set<String> settledRefs = new LinkedHashSet<>();
        final Set<String> waiting = new LinkedHashSet<>();

        void commit() {
            BuildRecord record = build == null ? null : build.refreshed();
            Function<StoreTx, BuildRecord> work = tx -> {
                BuildRecord out = record;
                if (record != null) {
                    if (insert) out = tx.insertBuild(record);
                    else tx.updateBuild(record);
                }
                requested.forEach(tx::upsertBuildPartition);
                jobs.forEach(tx::upsertBuildJob);
                partitionsByRef.values().forEach(tx::upsertPartition);
                deleted.forEach(tx::deletePartition);
                events.forEach(tx::appendEvent);
                return out;
            };
            BuildRecord stored = store.write(work).join();
            if (insert && stored != null) build.record = stored; // with its seq
            if (build != null) {
                if (build.status() == BuildStatus.EXECUTING) executingView.put(build.id(), build.record);
                else executingView.remove(build.id());
            }
            // builds that waited for partitions settled here: their delegated partitions follow, their jobs may start
            if (!waiting.isEmpty()) {
                Instant now = Instant.now();
                for (String id : waiting) progress.followDelegates(id, settledRefs, now);
            }
        }
    }

    /**
     * A list whose adds keep the last value per key, in the order each key was first added: a decision may touch one
     * partition or job entry twice (a plan's first-level jobs are added waiting, then submitted), and only the last
     * is written.
     */
    private static final class LastPerKey<K, V> extends java.util.AbstractList<V> {
        private final Map<K, V> byKey;
        private final Function<V, K> key;

        LastPerKey(Map<K, V> byKey, Function<V, K> key) {
            this.byKey = byKey;
            this.key = key;
        }

        @Override
        public boolean add(V value) {
            byKey.put(key.apply(value), value);
            return true;
        }

        @Override
        public java.util.Iterator<V> iterator() {
            return java.util.Collections.unmodifiableCollection(byKey.values()).iterator();
        }

        @Override
        public V get(int index) {
            return List.copyOf(byKey.values()).get(index);
        }

        @Override
        public int size() {
            return byKey.size();
        }
    }

    <T> T onThread(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
    }
}
