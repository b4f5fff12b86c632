package dev.kiln.server.store.sqlite;

import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.PartitionRecord;
import java.util.Map;

/** The build tables' writes (V15), in SQL SQLite and PostgreSQL both accept; fixed texts, prepared once by the writer. */
final class BuildWrites {
    private final WriterSql w;
    private final SealedSecrets secrets;

    BuildWrites(WriterSql w, SealedSecrets secrets) {
        this.w = w;
        this.secrets = secrets;
    }

    /** What a plan job's sealed secrets are bound to: its build and position. */
    static String secretsBinding(String buildId, int position) {
        return buildId + "#" + position;
    }

    BuildRecord insertBuild(BuildRecord b) {
        long seq = w.insertGeneratingKey("""
                INSERT INTO builds (id, status, forced, graph_version, requested, requested_count, counts, jobs_total,
                  jobs_done, created_at, started_at, ended_at, reason, created_by, driven)
                VALUES (:id, :status, :forced, :version, :requested, :requested_count, :counts, :jobs_total,
                  :jobs_done, :created, :started, :ended, :reason, :created_by, :driven)""", BuildRows.buildColumns(b));
        return b.withSeq(seq);
    }

    void updateBuild(BuildRecord b) {
        int n = w.update("""
                UPDATE builds SET status = :status, graph_version = :version, counts = :counts, jobs_total = :jobs_total,
                  jobs_done = :jobs_done, started_at = :started, ended_at = :ended, reason = :reason, driven = :driven
                WHERE id = :id""", BuildRows.buildColumns(b));
        if (n != 1) throw new IllegalStateException("no build " + b.id() + " to update");
    }

    void upsertBuildPartition(BuildPartition p) {
        w.update("""
                INSERT INTO build_partitions (build_id, build_seq, ref, status, definition, job_key, job_id,
                  delegated_to, delegation_kind, updated_at)
                VALUES (:build, (SELECT seq FROM builds WHERE id = :build), :ref, :status, :definition, :job_key, :job,
                  :delegated_to, :kind, :updated)
                ON CONFLICT (build_id, ref) DO UPDATE SET status = excluded.status, definition = excluded.definition,
                  job_key = excluded.job_key, job_id = excluded.job_id, delegated_to = excluded.delegated_to,
                  delegation_kind = excluded.delegation_kind, updated_at = excluded.updated_at""",
                BuildRows.buildPartitionColumns(p));
    }

    void upsertBuildJob(BuildJob j) {
        w.update("""
                INSERT INTO build_jobs (build_id, position, job_key, definition, job_id, status, partitions, depends_on,
                  waits_for, config_step, spec, reason, submitted_at, secrets)
                VALUES (:build, :position, :key, :definition, :job, :status, :partitions, :depends_on, :waits_for,
                  :config_step, :spec, :reason, :submitted, :secrets)
                ON CONFLICT (build_id, position) DO UPDATE SET job_id = excluded.job_id, status = excluded.status,
                  reason = excluded.reason, submitted_at = excluded.submitted_at""", withSecrets(j));
    }

    private java.util.Map<String, Object> withSecrets(BuildJob j) {
        var columns = BuildRows.buildJobColumns(j);
        columns.put("secrets", j.spec() == null ? null
                : secrets.toColumn(secretsBinding(j.buildId(), j.position()), j.spec().secrets()));
        return columns;
    }

    /** The partition's old status leaves its count, the new one joins its count: the counts never need a scan. */
    void upsertPartition(PartitionRecord p) {
        var columns = BuildRows.partitionColumns(p);
        uncount(p.ref());
        w.update("""
                INSERT INTO partitions (ref, status, definition, build_id, job_id, updated_at, available_at)
                VALUES (:ref, :status, :definition, :build, :job, :updated, :available)
                ON CONFLICT (ref) DO UPDATE SET status = excluded.status, definition = excluded.definition,
                  build_id = excluded.build_id, job_id = excluded.job_id, updated_at = excluded.updated_at,
                  available_at = coalesce(excluded.available_at, partitions.available_at)""", columns);
        w.update("UPDATE partition_counts SET n = n + 1 WHERE status = :status", columns);
    }

    void deletePartition(String ref) {
        uncount(ref);
        w.update("DELETE FROM partitions WHERE ref = :ref", Map.of("ref", ref));
    }

    private void uncount(String ref) {
        w.update("UPDATE partition_counts SET n = n - 1 WHERE status = (SELECT status FROM partitions WHERE ref = :ref)",
                Map.of("ref", ref));
    }
}
