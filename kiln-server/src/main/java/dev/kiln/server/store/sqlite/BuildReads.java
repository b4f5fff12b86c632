package dev.kiln.server.store.sqlite;

import dev.kiln.server.events.Event;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildQuery;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.Page;
import dev.kiln.server.store.PartitionCounts;
import dev.kiln.server.store.PartitionQuery;
import dev.kiln.server.store.PartitionRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The build tables' reads (V15). Each is a range of one index, paged by a key: builds by seq (newest first), a
 * build's partitions and all partitions by ref, events by id. {@code SqliteBuildQueriesTest} checks the plans.
 */
final class BuildReads {
    static final List<String> PARTITION_STATUSES = List.of("scheduled", "building", "available", "failed");
    /** A listing's columns: all but the requested refs (a build may hold 10,000), whose count is a column. */
    static final String SUMMARY = "b.seq, b.id, b.status, b.forced, b.graph_version, '[]' AS requested, b.requested_count, b.counts, "
            + "b.jobs_total, b.jobs_done, b.created_at, b.started_at, b.ended_at, b.reason, b.created_by, b.driven";
    static final String BUILDS = "SELECT " + SUMMARY + " FROM builds b WHERE seq < :before ORDER BY seq DESC LIMIT :limit";
    static final String BUILDS_BY_STATUS = "SELECT " + SUMMARY + " FROM builds b WHERE status = :status AND seq < :before ORDER BY seq DESC LIMIT :limit";
    static final String BUILDS_BY_PARTITION = "SELECT " + SUMMARY + """
             FROM build_partitions p JOIN builds b ON b.seq = p.build_seq
            WHERE p.ref = :ref AND p.build_seq < :before AND (:status IS NULL OR b.status = :status)
            ORDER BY p.build_seq DESC LIMIT :limit""";
    static final String BUILD_PARTITIONS = """
            SELECT * FROM build_partitions WHERE build_id = :build AND ref > :after ORDER BY ref LIMIT :limit""";
    static final String BUILD_PARTITIONS_BY_STATUS = """
            SELECT * FROM build_partitions WHERE build_id = :build AND status = :status AND ref > :after
            ORDER BY ref LIMIT :limit""";
    /**
     * A page of refs is one key range, with ONE lower end: past the cursor ({@code ref > :after}) or, before the first
     * page of a prefix, the prefix itself ({@code ref >= :from}); a prefix adds the upper end {@code ref < :to}, its
     * successor. Given both lower ends SQLite starts the range at one of them — it took the cursor's {@code ''} and read
     * a million rows up to the prefix.
     */
    static String refRange(String prefix, String afterRef) {
        boolean prefixed = prefix != null && !prefix.isEmpty();
        String lower = prefixed && !after(afterRef, prefix) ? "ref >= :from" : "ref > :after";
        return prefixed ? lower + " AND ref < :to" : lower;
    }

    /** Whether {@code ref} sorts at or after {@code prefix} as SQLite compares text (UTF-8 bytes). */
    private static boolean after(String ref, String prefix) {
        return ref != null && java.util.Arrays.compareUnsigned(ref.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8)) >= 0;
    }

    static final String PARTITIONS = "SELECT * FROM partitions WHERE %s ORDER BY ref LIMIT :limit";
    static final String PARTITIONS_BY_STATUS = "SELECT * FROM partitions WHERE status = :status AND %s ORDER BY ref LIMIT :limit";
    static final String COUNT_CAPPED = """
            SELECT count(*) FROM (SELECT 1 FROM partitions WHERE status = :status AND ref >= :from AND ref < :to
            LIMIT :cap) capped""";
    static final String BUILD_EVENTS = "SELECT * FROM events WHERE build_id = :build AND id > :after ORDER BY id LIMIT :limit";
    static final String PARTITION_EVENTS = "SELECT * FROM events WHERE ref = :ref AND id > :after ORDER BY id LIMIT :limit";

    private final Jdbi readers;

    BuildReads(Jdbi readers) {
        this.readers = readers;
    }

    Optional<BuildRecord> build(String id) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM builds WHERE id = :id").bind("id", id)
                .map(BuildRows::build).findOne());
    }

    Page<BuildRecord> builds(BuildQuery q) {
        long before = q.beforeSeq() <= 0 ? Long.MAX_VALUE : q.beforeSeq();
        List<BuildRecord> rows = readers.withHandle(h -> {
            var query = h.createQuery(q.partition() != null ? BUILDS_BY_PARTITION : q.status() != null ? BUILDS_BY_STATUS : BUILDS)
                    .bind("before", before).bind("limit", q.limit() + 1);
            if (q.partition() != null) query.bind("ref", q.partition()).bind("status", q.status());
            else if (q.status() != null) query.bind("status", q.status());
            return query.map(BuildRows::build).list();
        });
        return page(rows, q.limit(), b -> Long.toString(b.seq()));
    }

    List<BuildRecord> drivenBuilds() {
        return readers.withHandle(h -> h.createQuery("SELECT " + SUMMARY + " FROM builds b WHERE driven = 1 ORDER BY seq")
                .map(BuildRows::build).list());
    }

    List<BuildPartition> buildPartitions(String buildId, String status, String afterRef, int limit) {
        return readers.withHandle(h -> {
            var q = h.createQuery(status == null ? BUILD_PARTITIONS : BUILD_PARTITIONS_BY_STATUS)
                    .bind("build", buildId).bind("after", afterRef == null ? "" : afterRef).bind("limit", limit);
            if (status != null) q.bind("status", status);
            return q.map(BuildRows::buildPartition).list();
        });
    }

    List<BuildPartition> delegatedTo(String buildId, int limit) {
        return readers.withHandle(h -> h.createQuery(
                "SELECT * FROM build_partitions WHERE delegated_to = :build ORDER BY build_seq DESC LIMIT :limit")
                .bind("build", buildId).bind("limit", limit).map(BuildRows::buildPartition).list());
    }

    List<BuildJob> buildJobs(String buildId) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM build_jobs WHERE build_id = :build ORDER BY position")
                .bind("build", buildId).map(BuildRows::buildJob).list());
    }

    Optional<BuildJob> buildJobOf(String jobId) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM build_jobs WHERE job_id = :job LIMIT 1")
                .bind("job", jobId).map(BuildRows::buildJob).findOne());
    }

    List<BuildJob> recentBuildJobs(String definition, int limit) {
        return readers.withHandle(h -> h.createQuery("""
                SELECT * FROM build_jobs WHERE definition = :definition AND submitted_at IS NOT NULL
                ORDER BY submitted_at DESC LIMIT :limit""")
                .bind("definition", definition).bind("limit", limit).map(BuildRows::buildJob).list());
    }

    Map<String, PartitionRecord> partitions(Collection<String> refs) {
        var out = new HashMap<String, PartitionRecord>();
        var all = List.copyOf(new java.util.LinkedHashSet<>(refs));
        readers.useHandle(h -> {
            for (int from = 0; from < all.size(); from += 500) {
                h.createQuery("SELECT * FROM partitions WHERE ref IN (<refs>)")
                        .bindList("refs", all.subList(from, Math.min(all.size(), from + 500)))
                        .map(BuildRows::partition).forEach(p -> out.put(p.ref(), p));
            }
        });
        return out;
    }

    Page<PartitionRecord> partitions(PartitionQuery q) {
        List<PartitionRecord> rows = readers.withHandle(h -> {
            String range = refRange(q.prefix(), q.afterRef());
            var query = h.createQuery((q.status() == null ? PARTITIONS : PARTITIONS_BY_STATUS).formatted(range))
                    .bind("limit", q.limit() + 1);
            if (range.contains(":after")) query.bind("after", q.afterRef() == null ? "" : q.afterRef());
            if (range.contains(":from")) query.bind("from", q.prefix());
            if (range.contains(":to")) query.bind("to", successor(q.prefix()));
            if (q.status() != null) query.bind("status", q.status());
            return query.map(BuildRows::partition).list();
        });
        return page(rows, q.limit(), PartitionRecord::ref);
    }

    PartitionCounts partitionCounts(String prefix, int cap) {
        var counts = new LinkedHashMap<String, Long>();
        if (prefix == null || prefix.isEmpty()) {
            readers.useHandle(h -> h.createQuery("SELECT status, n FROM partition_counts")
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).forEach(e -> counts.put(e.getKey(), e.getValue())));
            return new PartitionCounts(counts, false);
        }
        boolean[] capped = {false};
        readers.useHandle(h -> {
            for (String status : PARTITION_STATUSES) {
                long n = h.createQuery(COUNT_CAPPED).bind("status", status).bind("from", prefix)
                        .bind("to", successor(prefix)).bind("cap", cap).mapTo(Long.class).one();
                counts.put(status, n);
                capped[0] |= n >= cap;
            }
        });
        return new PartitionCounts(counts, capped[0]);
    }

    List<Event> buildEvents(String buildId, long afterId, int limit) {
        return readers.withHandle(h -> h.createQuery(BUILD_EVENTS).bind("build", buildId).bind("after", afterId)
                .bind("limit", limit).map(Rows::event).list());
    }

    List<Event> partitionEvents(String ref, long afterId, int limit) {
        return readers.withHandle(h -> h.createQuery(PARTITION_EVENTS).bind("ref", ref).bind("after", afterId)
                .bind("limit", limit).map(Rows::event).list());
    }

    /** The first string after every string starting with {@code prefix}: {@code ref >= prefix AND ref < successor} is one key range. */
    static String successor(String prefix) {
        return prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
    }

    /** {@code rows} holds up to one more than a page: then there is a next page, from the last row shown. */
    private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> cursor) {
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<T> shown = new ArrayList<>(rows.subList(0, limit));
        return new Page<>(shown, cursor.apply(shown.get(limit - 1)));
    }
}
