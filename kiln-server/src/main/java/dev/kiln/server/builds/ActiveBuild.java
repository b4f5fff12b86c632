package dev.kiln.server.builds;

import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A build the engine follows, in memory: its record, requested partitions (with counts by status kept as they
 * change, so a summary never counts) and plan jobs. Touched only by the engine's thread.
 */
final class ActiveBuild {
    BuildRecord record;
    final Map<String, BuildPartition> requested = new LinkedHashMap<>();
    final List<BuildJob> jobs = new ArrayList<>();
    final Map<String, Integer> byKey = new HashMap<>();
    private final EnumMap<PartitionStatus, Integer> counts = new EnumMap<>(PartitionStatus.class);
    String firstFailure;
    /** The graph that planned it, kept while config steps run (they plan again with it); not stored. */
    dev.kiln.server.graph.Graph graph;
    /** What the config steps said, by output ref. */
    final Map<String, dev.kiln.server.graph.Planner.Configured> configured = new java.util.HashMap<>();

    ActiveBuild(BuildRecord record) {
        this.record = record;
    }

    BuildStatus status() {
        return BuildStatus.fromWire(record.status());
    }

    String id() {
        return record.id();
    }

    void addRequested(BuildPartition p) {
        BuildPartition old = requested.put(p.ref(), p);
        if (old != null) counts.merge(PartitionStatus.fromWire(old.status()), -1, Integer::sum);
        counts.merge(PartitionStatus.fromWire(p.status()), 1, Integer::sum);
    }

    /** Moves a requested partition if the table allows; returns the new row, or null when it stays. */
    BuildPartition moveRequested(String ref, PartitionStatus target, String jobId, Instant now) {
        BuildPartition p = requested.get(ref);
        if (p == null || !PartitionStatus.fromWire(p.status()).canMoveTo(target)) return null;
        var moved = new BuildPartition(p.buildId(), ref, target.wireName(), p.definition(), p.jobKey(),
                jobId != null ? jobId : p.jobId(), p.delegatedTo(), p.delegationKind(), now);
        addRequested(moved);
        return moved;
    }

    void addJob(BuildJob j) {
        byKey.put(j.key(), jobs.size());
        jobs.add(j);
    }

    void setJob(BuildJob j) {
        jobs.set(j.position(), j);
    }

    BuildJob job(String key) {
        return jobs.get(byKey.get(key));
    }

    int count(PartitionStatus s) {
        return counts.getOrDefault(s, 0);
    }

    int openJobs() {
        int open = 0;
        for (BuildJob j : jobs) if (!BuildDecisions.entryEnded(j.status())) open++;
        return open;
    }

    /** The record with its counts and job figures as they are now. */
    BuildRecord refreshed() {
        var c = new LinkedHashMap<String, Integer>();
        for (PartitionStatus s : PartitionStatus.values()) c.put(s.wireName(), count(s));
        int done = jobs.size() - openJobs();
        BuildRecord r = record;
        record = new BuildRecord(r.id(), r.seq(), r.status(), r.force(), r.graphVersion(), r.requested(), r.requestedCount(), c,
                jobs.size(), done, r.createdAt(), r.startedAt(), r.endedAt(), r.reason(), r.createdBy(), r.driven());
        return record;
    }

    void setRecord(BuildStatus status, Instant startedAt, Instant endedAt, String reason, boolean driven) {
        BuildRecord r = record;
        record = new BuildRecord(r.id(), r.seq(), status.wireName(), r.force(), r.graphVersion(), r.requested(), r.requestedCount(),
                r.counts(), r.jobsTotal(), r.jobsDone(), r.createdAt(), startedAt, endedAt, reason, r.createdBy(), driven);
    }
}
