package dev.kiln.server.store.sqlite;

import dev.kiln.server.core.AgentRecord;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.Json;
import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.statement.StatementContext;

/** Mapping between rows and records, shared by every SQL store. */
final class Rows {
    private static final ObjectMapper JSON = Json.newMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    private static final TypeReference<Map<String, Object>> OBJECT_MAP = new TypeReference<>() {};
    private static final TypeReference<Map<String, List<String>>> LABELS = new TypeReference<>() {};

    private Rows() {}

    static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static <T> T fromJson(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON in store: " + e.getOriginalMessage(), e);
        }
    }

    static Map<String, String> stringMap(String json) {
        return json == null ? Map.of() : fromJson(json, STRING_MAP);
    }

    static Map<String, Object> mutableJobColumns(Job j) {
        var m = new HashMap<String, Object>();
        m.put("status", j.status().wireName());
        m.put("attempt", j.attempt());
        m.put("agent", j.agentId());
        m.put("updated", Clock.toNs(j.updatedAt()));
        m.put("queued", ns(j.queuedAt()));
        m.put("started", ns(j.startedAt()));
        m.put("finished", ns(j.finishedAt()));
        m.put("exit", j.exitCode());
        m.put("error", j.error());
        m.put("outputs", j.outputs().isEmpty() ? null : toJson(j.outputs()));
        m.put("not_before", ns(j.notBefore()));
        m.put("ready_at", ns(j.readyAt()));
        return m;
    }

    static Map<String, Object> attemptColumns(Attempt a) {
        var m = new HashMap<String, Object>();
        m.put("job", a.jobId());
        m.put("number", a.number());
        m.put("agent", a.agentId());
        m.put("status", a.status().wireName());
        m.put("created", Clock.toNs(a.createdAt()));
        m.put("started", ns(a.startedAt()));
        m.put("finished", ns(a.finishedAt()));
        m.put("exit", a.exitCode());
        m.put("signal", a.signal());
        m.put("error", a.error());
        m.put("pid", a.pid());
        m.put("log_seq", a.logSeq());
        m.put("lines", a.lineCount());
        return m;
    }

    private static Long ns(Instant t) {
        return t == null ? null : Clock.toNs(t);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Clock.toInstant(v);
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    static Job job(ResultSet rs, StatementContext ctx) throws SQLException {
        JobSpec spec;
        try {
            spec = JSON.readValue(rs.getString("spec"), JobSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt spec of job " + rs.getString("id"), e);
        }
        return new Job(
                rs.getString("id"),
                rs.getLong("seq"),
                spec,
                JobStatus.fromWire(rs.getString("status")),
                rs.getInt("attempt"),
                rs.getString("agent_id"),
                instant(rs, "created_at"),
                instant(rs, "updated_at"),
                instant(rs, "queued_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                integer(rs, "exit_code"),
                rs.getString("error"),
                rs.getString("rerun_of"),
                stringMap(rs.getString("outputs")),
                instant(rs, "not_before"),
                instant(rs, "ready_at"));
    }

    static Attempt attempt(ResultSet rs, StatementContext ctx) throws SQLException {
        long pid = rs.getLong("pid");
        Long pidOrNull = rs.wasNull() ? null : pid;
        return new Attempt(
                rs.getString("job_id"),
                rs.getInt("number"),
                rs.getString("agent_id"),
                JobStatus.fromWire(rs.getString("status")),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                integer(rs, "exit_code"),
                integer(rs, "signal"),
                rs.getString("error"),
                pidOrNull,
                rs.getLong("log_seq"),
                rs.getLong("line_count"));
    }

    static Event event(ResultSet rs, StatementContext ctx) throws SQLException {
        String data = rs.getString("data");
        return new Event(rs.getLong("id"), rs.getString("job_id"), rs.getString("kind"), rs.getLong("timestamp_ns"),
                data == null ? Map.of() : fromJson(data, OBJECT_MAP));
    }

    static AgentRecord agent(ResultSet rs, StatementContext ctx) throws SQLException {
        return new AgentRecord(rs.getString("id"), rs.getString("name"), fromJson(rs.getString("labels"), LABELS),
                rs.getInt("capacity"), rs.getString("version"), rs.getString("state"), instant(rs, "first_seen"),
                instant(rs, "last_seen"));
    }

    static dev.kiln.server.core.Artifact artifact(ResultSet rs, StatementContext ctx) throws SQLException {
        return new dev.kiln.server.core.Artifact(rs.getString("job_id"), rs.getInt("attempt"), rs.getString("name"),
                rs.getLong("size"), rs.getString("sha256"), instant(rs, "created_at"));
    }

    /** A content file may go only when none of these rows names it (one query for the store and its writer). */
    static final String CONTENT_IN_USE = """
            SELECT sha256 FROM artifacts WHERE sha256 = :sha
            UNION ALL SELECT sha256 FROM job_inputs WHERE sha256 = :sha
            UNION ALL SELECT sha256 FROM release_files WHERE sha256 = :sha LIMIT 1""";

    /** A release without its files (read apart). */
    static ReleaseHead releaseHead(ResultSet rs, StatementContext ctx) throws SQLException {
        return new ReleaseHead(rs.getString("name"), rs.getString("version"), rs.getString("job_id"),
                rs.getString("manifest_sha256"), rs.getString("promoted_by"), instant(rs, "promoted_at"));
    }

    record ReleaseHead(String name, String version, String jobId, String manifestSha256, String promotedBy,
                       java.time.Instant promotedAt) {
        dev.kiln.server.core.Release withFiles(java.util.List<dev.kiln.server.core.FileRef> files) {
            return new dev.kiln.server.core.Release(name, version, jobId, files, manifestSha256, promotedBy, promotedAt);
        }
    }

    static dev.kiln.server.core.FileRef fileRef(ResultSet rs, StatementContext ctx) throws SQLException {
        return new dev.kiln.server.core.FileRef(rs.getString("path"), rs.getString("sha256"), rs.getLong("size"));
    }

    static dev.kiln.server.core.TokenRecord token(ResultSet rs, StatementContext ctx) throws SQLException {
        return new dev.kiln.server.core.TokenRecord(rs.getString("id"), rs.getString("name"),
                dev.kiln.server.core.Role.valueOf(rs.getString("role").toUpperCase()), rs.getString("hash"),
                instant(rs, "created_at"), instant(rs, "revoked_at"), rs.getString("agent_id"));
    }

    static dev.kiln.server.core.SessionRecord session(ResultSet rs, StatementContext ctx) throws SQLException {
        return new dev.kiln.server.core.SessionRecord(rs.getString("id"), rs.getString("hash"), rs.getString("token_id"),
                instant(rs, "created_at"), instant(rs, "last_seen_at"), instant(rs, "expires_at"), instant(rs, "revoked_at"));
    }

    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<dev.kiln.server.store.NotificationSubscription.Filters> FILTERS = new TypeReference<>() {};

    /** A subscription row; {@code secret} is the column already opened (the caller holds the cipher). */
    static dev.kiln.server.store.NotificationSubscription subscription(ResultSet rs, String secret) throws SQLException {
        String filters = rs.getString("filters");
        return new dev.kiln.server.store.NotificationSubscription(rs.getString("id"), rs.getString("url"),
                fromJson(rs.getString("events"), STRINGS), filters == null ? null : fromJson(filters, FILTERS),
                rs.getString("format"), secret, instant(rs, "created_at"));
    }

    static dev.kiln.server.store.NotificationDelivery delivery(ResultSet rs, StatementContext ctx) throws SQLException {
        long ms = rs.getLong("duration_ms");
        Long duration = rs.wasNull() ? null : ms;
        return new dev.kiln.server.store.NotificationDelivery(rs.getLong("seq"), rs.getString("id"),
                rs.getString("subscription_id"), rs.getString("job_id"), rs.getString("url"), rs.getString("event"),
                rs.getString("body"), rs.getString("status"), rs.getInt("attempts"), instant(rs, "next_attempt_at"),
                instant(rs, "created_at"), instant(rs, "last_attempt_at"), integer(rs, "status_code"), duration,
                rs.getString("error"));
    }
}
