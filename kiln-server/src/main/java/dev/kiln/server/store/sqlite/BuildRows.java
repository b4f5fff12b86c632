package dev.kiln.server.store.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.Json;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.events.Clock;
import dev.kiln.server.store.BuildJob;
import dev.kiln.server.store.BuildPartition;
import dev.kiln.server.store.BuildRecord;
import dev.kiln.server.store.PartitionRecord;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.statement.StatementContext;

/** Mapping between the build tables' rows and the store's build records (V8). */
final class BuildRows {
    private static final ObjectMapper JSON = Json.newMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<Map<String, Integer>> COUNTS = new TypeReference<>() {};

    private BuildRows() {}

    private static <T> T fromJson(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON in store: " + e.getOriginalMessage(), e);
        }
    }

    static Long ns(Instant t) {
        return t == null ? null : Clock.toNs(t);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Clock.toInstant(v);
    }

    static BuildRecord build(ResultSet rs, StatementContext ctx) throws SQLException {
        return new BuildRecord(rs.getString("id"), rs.getLong("seq"), rs.getString("status"), rs.getInt("forced") != 0,
                rs.getString("graph_version"), fromJson(rs.getString("requested"), STRINGS), rs.getInt("requested_count"),
                fromJson(rs.getString("counts"), COUNTS), rs.getInt("jobs_total"), rs.getInt("jobs_done"),
                instant(rs, "created_at"), instant(rs, "started_at"), instant(rs, "ended_at"), rs.getString("reason"),
                rs.getString("created_by"), rs.getInt("driven") != 0);
    }

    static Map<String, Object> buildColumns(BuildRecord b) {
        var m = new HashMap<String, Object>();
        m.put("id", b.id());
        m.put("status", b.status());
        m.put("forced", b.force() ? 1 : 0);
        m.put("version", b.graphVersion());
        m.put("requested", Rows.toJson(b.requested()));
        m.put("requested_count", b.requestedCount());
        m.put("counts", Rows.toJson(new java.util.TreeMap<>(b.counts())));
        m.put("jobs_total", b.jobsTotal());
        m.put("jobs_done", b.jobsDone());
        m.put("created", ns(b.createdAt()));
        m.put("started", ns(b.startedAt()));
        m.put("ended", ns(b.endedAt()));
        m.put("reason", b.reason());
        m.put("created_by", b.createdBy());
        m.put("driven", b.driven() ? 1 : 0);
        return m;
    }

    static BuildPartition buildPartition(ResultSet rs, StatementContext ctx) throws SQLException {
        return new BuildPartition(rs.getString("build_id"), rs.getString("ref"), rs.getString("status"),
                rs.getString("definition"), rs.getString("job_key"), rs.getString("job_id"),
                rs.getString("delegated_to"), rs.getString("delegation_kind"), instant(rs, "updated_at"));
    }

    static Map<String, Object> buildPartitionColumns(BuildPartition p) {
        var m = new HashMap<String, Object>();
        m.put("build", p.buildId());
        m.put("ref", p.ref());
        m.put("status", p.status());
        m.put("definition", p.definition());
        m.put("job_key", p.jobKey());
        m.put("job", p.jobId());
        m.put("delegated_to", p.delegatedTo());
        m.put("kind", p.delegationKind());
        m.put("updated", ns(p.updatedAt()));
        return m;
    }

    static BuildJob buildJob(ResultSet rs, StatementContext ctx) throws SQLException {
        String spec = rs.getString("spec");
        try {
            return new BuildJob(rs.getString("build_id"), rs.getInt("position"), rs.getString("job_key"),
                    rs.getString("definition"), rs.getString("job_id"), rs.getString("status"),
                    fromJson(rs.getString("partitions"), STRINGS), fromJson(rs.getString("depends_on"), STRINGS),
                    fromJson(rs.getString("waits_for"), STRINGS), rs.getInt("config_step") != 0,
                    spec == null ? null : JSON.readValue(spec, JobSpec.class), rs.getString("reason"),
                    instant(rs, "submitted_at"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt spec of build job " + rs.getString("job_key"), e);
        }
    }

    static Map<String, Object> buildJobColumns(BuildJob j) {
        var m = new HashMap<String, Object>();
        m.put("build", j.buildId());
        m.put("position", j.position());
        m.put("key", j.key());
        m.put("definition", j.definition());
        m.put("job", j.jobId());
        m.put("status", j.status());
        m.put("partitions", Rows.toJson(j.partitions()));
        m.put("depends_on", Rows.toJson(j.dependsOn()));
        m.put("waits_for", Rows.toJson(j.waitsFor()));
        m.put("config_step", j.configStep() ? 1 : 0);
        m.put("spec", j.spec() == null ? null : Rows.toJson(j.spec().snapshot())); // secrets masked, never stored in clear
        m.put("reason", j.reason());
        m.put("submitted", ns(j.submittedAt()));
        return m;
    }

    static PartitionRecord partition(ResultSet rs, StatementContext ctx) throws SQLException {
        return new PartitionRecord(rs.getString("ref"), rs.getString("status"), rs.getString("definition"),
                rs.getString("build_id"), rs.getString("job_id"), instant(rs, "updated_at"), instant(rs, "available_at"));
    }

    static Map<String, Object> partitionColumns(PartitionRecord p) {
        var m = new HashMap<String, Object>();
        m.put("ref", p.ref());
        m.put("status", p.status());
        m.put("definition", p.definition());
        m.put("build", p.buildId());
        m.put("job", p.jobId());
        m.put("updated", ns(p.updatedAt()));
        m.put("available", ns(p.availableAt()));
        return m;
    }
}
