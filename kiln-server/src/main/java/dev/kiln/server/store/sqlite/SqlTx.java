package dev.kiln.server.store.sqlite;

import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;
import dev.kiln.server.store.Outbox;
import dev.kiln.server.store.StoreTx;
import org.slf4j.LoggerFactory;
import dev.kiln.server.core.AgentRecord;
import dev.kiln.protocol.LogLine;
import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.logs.LogChunkCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The writes of one transaction, in SQL that SQLite and PostgreSQL both accept. */
final class SqlTx implements StoreTx {

    private final WriterSql w;
    private final SealedSecrets secrets;
    private final List<Event> events = new ArrayList<>();
    private final Outbox outbox;
    /** The jobs this transaction wrote, by id: what the outbox sees beside an event about one of them. */
    private final Map<String, Job> jobsWritten = new HashMap<>();
    private final BuildWrites builds;
    private final NotificationWrites notifications;
    private final SharedWrites shared;

    SqlTx(WriterSql w, SealedSecrets secrets, Outbox outbox) {
        this.w = w;
        this.secrets = secrets;
        this.outbox = outbox;
        this.builds = new BuildWrites(w, secrets);
        this.notifications = new NotificationWrites(w, secrets);
        this.shared = new SharedWrites(w);
    }

    /** Named parameters, nulls allowed: {@code params("id", id, "name", name)}. */
    static Map<String, Object> params(Object... namesAndValues) {
        var m = new HashMap<String, Object>();
        for (int i = 0; i < namesAndValues.length; i += 2) m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        return m;
    }

    List<Event> events() {
        return events;
    }

    @Override
    public Job insertJob(Job job) {
        var p = Rows.mutableJobColumns(job);
        p.putAll(params("id", job.id(), "name", job.spec().name(), "type", job.spec().type(),
                "priority", job.spec().priority(), "spec", Rows.toJson(job.spec().snapshot()),
                "secrets", secrets.toColumn(job.id(), job.spec().secrets()),
                "created", Clock.toNs(job.createdAt()),
                "rerun", job.rerunOf(), "applies", job.spec().applies()));
        long seq = w.insertAssigningKey("jobs", "seq", """
                INSERT INTO jobs (id, name, type, status, priority, spec, secrets, attempt, agent_id,
                  created_at, updated_at, queued_at, started_at, finished_at, exit_code, error, rerun_of, outputs, not_before,
                  ready_at, applies)
                VALUES (:id, :name, :type, :status, :priority, :spec, :secrets, :attempt, :agent,
                  :created, :updated, :queued, :started, :finished, :exit, :error, :rerun, :outputs, :not_before,
                  :ready_at, :applies)""", p);
        for (var input : job.spec().inputs()) {
            w.update("INSERT INTO job_inputs (job_id, path, sha256, size) VALUES (:job, :path, :sha, :size)",
                    params("job", job.id(), "path", input.path(), "sha", input.sha256(), "size", input.size()));
        }
        for (var label : job.spec().requirements().entrySet()) {
            w.update("INSERT INTO job_labels (job_seq, key, value) VALUES (:seq, :key, :value)",
                    params("seq", seq, "key", label.getKey(), "value", label.getValue()));
        }
        Job stored = job.withSeq(seq);
        jobsWritten.put(job.id(), stored);
        return stored;
    }

    @Override
    public void updateJob(Job job) {
        if (writeJob(job, UPDATE_JOB + "WHERE id = :id") != 1) throw new IllegalStateException("no job " + job.id() + " to update");
    }

    @Override
    public boolean claimQueuedJob(Job assigned) {
        return writeJob(assigned, UPDATE_JOB + "WHERE id = :id AND status = 'queued'") == 1;
    }

    private static final String UPDATE_JOB = """
            UPDATE jobs SET status = :status, attempt = :attempt, agent_id = :agent, updated_at = :updated,
              queued_at = :queued, started_at = :started, finished_at = :finished, exit_code = :exit,
              error = :error, outputs = :outputs, not_before = :not_before, ready_at = :ready_at
            """;

    private int writeJob(Job job, String sql) {
        var p = Rows.mutableJobColumns(job);
        p.put("id", job.id());
        int n = w.update(sql, p);
        if (n == 1) jobsWritten.put(job.id(), job); // what the outbox sees beside an event about it
        return n;
    }

    @Override
    public void insertAttempt(Attempt a) {
        w.update("""
                INSERT INTO attempts (job_id, number, agent_id, status, created_at, started_at, finished_at,
                  exit_code, signal, error, pid, log_seq, line_count)
                VALUES (:job, :number, :agent, :status, :created, :started, :finished, :exit, :signal, :error, :pid,
                  :log_seq, :lines)""", Rows.attemptColumns(a));
    }

    @Override
    public void updateAttempt(Attempt a) {
        int n = w.update("""
                UPDATE attempts SET agent_id = :agent, status = :status, started_at = :started,
                  finished_at = :finished, exit_code = :exit, signal = :signal, error = :error, pid = :pid,
                  log_seq = :log_seq, line_count = :lines
                WHERE job_id = :job AND number = :number""", Rows.attemptColumns(a));
        if (n != 1) throw new IllegalStateException("no attempt " + a.number() + " of job " + a.jobId());
    }

    @Override
    public Event appendEvent(Event draft) {
        // a build's and a partition's events are index ranges (V15); a job's own events may name a ref freely
        boolean build = draft.kind().startsWith("build.") || draft.kind().startsWith("partition.");
        long id = w.insertAssigningKey("events", "id",
                "INSERT INTO events (job_id, kind, timestamp_ns, data, build_id, ref) VALUES (:job, :kind, :ts, :data, :build, :ref)",
                params("job", draft.jobId(), "kind", draft.kind(), "ts", draft.timestampNs(),
                        "data", draft.data().isEmpty() ? null : Rows.toJson(draft.data()),
                        "build", build && draft.data().get("build_id") instanceof String b ? b : null,
                        "ref", build && draft.data().get("ref") instanceof String r ? r : null));
        Event e = draft.withId(id);
        events.add(e);
        writeDeliveries(e);
        return e;
    }

    /**
     * The outbox's deliveries for an event, in this transaction. A fault of the notification rule must not fail the
     * state change that caused the event: it is logged and the event goes without notifications.
     */
    private void writeDeliveries(Event e) {
        List<NotificationDelivery> deliveries;
        try {
            deliveries = outbox.deliveriesFor(e, e.jobId() == null ? null : jobsWritten.get(e.jobId()));
        } catch (RuntimeException fault) {
            LoggerFactory.getLogger(SqlTx.class).error("notifications for event {} ({}) failed", e.id(), e.kind(), fault);
            return;
        }
        deliveries.forEach(this::insertDelivery);
    }

    @Override
    public void insertSubscription(NotificationSubscription s) {
        notifications.insertSubscription(s);
    }

    @Override
    public boolean deleteSubscription(String id) {
        return notifications.deleteSubscription(id);
    }

    @Override
    public void insertDelivery(NotificationDelivery d) {
        notifications.insertDelivery(d);
    }

    @Override
    public boolean recordDeliveryAttempt(NotificationDelivery.Attempt a) {
        return notifications.recordDeliveryAttempt(a);
    }

    @Override
    public void appendLogChunk(String jobId, int attempt, long firstLine, List<LogLine> lines) {
        w.update("INSERT INTO log_chunks (job_id, attempt, first_line, line_count, data) VALUES (:job, :a, :first, :n, :data)",
                params("job", jobId, "a", attempt, "first", firstLine, "n", lines.size(), "data", LogChunkCodec.encode(lines)));
    }

    @Override
    public void upsertAgent(AgentRecord a) {
        w.update("""
                INSERT INTO agents (id, name, labels, capacity, version, state, first_seen, last_seen)
                VALUES (:id, :name, :labels, :capacity, :version, :state, :first, :last)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, labels = excluded.labels,
                  capacity = excluded.capacity, version = excluded.version, state = excluded.state,
                  last_seen = CASE WHEN excluded.last_seen > agents.last_seen THEN excluded.last_seen ELSE agents.last_seen END""",
                params("id", a.id(), "name", a.name(), "labels", Rows.toJson(a.labels()), "capacity", a.capacity(),
                        "version", a.version(), "state", a.state(), "first", Clock.toNs(a.firstSeen()),
                        "last", Clock.toNs(a.lastSeen())));
    }

    @Override
    public void upsertArtifact(dev.kiln.server.core.Artifact a) {
        w.update("""
                INSERT INTO artifacts (job_id, attempt, name, size, sha256, created_at)
                VALUES (:job, :attempt, :name, :size, :sha, :created)
                ON CONFLICT (job_id, attempt, name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
                  created_at = excluded.created_at""",
                params("job", a.jobId(), "attempt", a.attempt(), "name", a.name(), "size", a.size(), "sha", a.sha256(),
                        "created", Clock.toNs(a.createdAt())));
    }

    @Override
    public void insertRelease(dev.kiln.server.core.Release r) {
        w.update("""
                INSERT INTO releases (name, version, job_id, manifest_sha256, promoted_by, promoted_at)
                VALUES (:name, :version, :job, :manifest, :by, :at)""",
                params("name", r.name(), "version", r.version(), "job", r.jobId(), "manifest", r.manifestSha256(),
                        "by", r.promotedBy(), "at", Clock.toNs(r.promotedAt())));
        for (var f : r.files()) {
            w.update("INSERT INTO release_files (name, version, path, size, sha256) VALUES (:name, :version, :path, :size, :sha)",
                    params("name", r.name(), "version", r.version(), "path", f.path(), "size", f.size(), "sha", f.sha256()));
        }
    }

    @Override
    public void insertSession(dev.kiln.server.core.SessionRecord s) {
        w.update("""
                INSERT INTO sessions (id, hash, token_id, created_at, last_seen_at, expires_at)
                VALUES (:id, :hash, :token, :created, :seen, :expires)""",
                params("id", s.id(), "hash", s.hash(), "token", s.tokenId(), "created", Clock.toNs(s.createdAt()),
                        "seen", Clock.toNs(s.lastSeenAt()), "expires", Clock.toNs(s.expiresAt())));
    }

    @Override
    public void touchSession(String id, java.time.Instant lastSeen) {
        w.update("UPDATE sessions SET last_seen_at = :at WHERE id = :id", params("id", id, "at", Clock.toNs(lastSeen)));
    }

    @Override
    public boolean revokeSession(String id, java.time.Instant at) {
        return w.update("UPDATE sessions SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL",
                params("id", id, "at", Clock.toNs(at))) == 1;
    }

    @Override
    public void revokeSessionsOf(String tokenId, java.time.Instant at) {
        w.update("UPDATE sessions SET revoked_at = :at WHERE token_id = :token AND revoked_at IS NULL",
                params("token", tokenId, "at", Clock.toNs(at)));
    }

    @Override
    public void insertSignInCode(String hash, String tokenId, java.time.Instant createdAt, java.time.Instant expiresAt) {
        w.update("INSERT INTO sign_in_codes (hash, token_id, created_at, expires_at) VALUES (:hash, :token, :created, :expires)",
                params("hash", hash, "token", tokenId, "created", Clock.toNs(createdAt), "expires", Clock.toNs(expiresAt)));
    }

    @Override
    public boolean redeemSignInCode(String hash, java.time.Instant at) {
        return w.update("UPDATE sign_in_codes SET used_at = :at WHERE hash = :hash AND used_at IS NULL AND expires_at > :at",
                params("hash", hash, "at", Clock.toNs(at))) == 1;
    }

    @Override
    public void insertToken(dev.kiln.server.core.TokenRecord t) {
        w.update("""
                INSERT INTO tokens (id, name, role, hash, created_at, agent_id)
                VALUES (:id, :name, :role, :hash, :created, :agent)""",
                params("id", t.id(), "name", t.name(), "role", t.role().name().toLowerCase(), "hash", t.hash(),
                        "created", Clock.toNs(t.createdAt()), "agent", t.agentId()));
    }

    @Override
    public boolean revokeToken(String id, java.time.Instant at) {
        return w.update("UPDATE tokens SET revoked_at = coalesce(revoked_at, :at) WHERE id = :id",
                params("id", id, "at", Clock.toNs(at))) == 1;
    }

    @Override
    public boolean bindTokenToAgent(String tokenId, String agentId) {
        return w.update("UPDATE tokens SET agent_id = :agent WHERE id = :id AND agent_id IS NULL",
                params("id", tokenId, "agent", agentId)) == 1;
    }

    @Override
    public List<String> deleteJob(String jobId) {
        var p = params("job", jobId);
        List<String> inputs = w.queryStrings("SELECT DISTINCT sha256 FROM job_inputs WHERE job_id = :job", p);
        w.update("DELETE FROM job_inputs WHERE job_id = :job", p);
        var unreferenced = new ArrayList<>(deleteArtifacts(jobId));
        for (String sha : inputs) {
            if (!unreferenced.contains(sha) && unused(sha)) unreferenced.add(sha);
        }
        w.update("DELETE FROM log_chunks WHERE job_id = :job", p);
        w.update("DELETE FROM attempts WHERE job_id = :job", p);
        w.update("DELETE FROM events WHERE job_id = :job", p);
        // its notifications' log goes with it; what is still to be sent is sent (the receiver wants the news)
        w.update("DELETE FROM notification_deliveries WHERE job_id = :job AND status <> 'pending'", p);
        w.update("DELETE FROM job_labels WHERE job_seq = (SELECT seq FROM jobs WHERE id = :job)", p);
        w.update("DELETE FROM cancel_requests WHERE job_id = :job", p);
        w.update("DELETE FROM jobs WHERE id = :job", p);
        return unreferenced;
    }

    @Override
    public List<String> deleteArtifacts(String jobId) {
        var p = params("job", jobId);
        List<String> contents = w.queryStrings("SELECT DISTINCT sha256 FROM artifacts WHERE job_id = :job", p);
        w.update("DELETE FROM artifacts WHERE job_id = :job", p);
        var unreferenced = new ArrayList<String>();
        for (String sha : contents) {
            if (unused(sha)) unreferenced.add(sha);
        }
        return unreferenced;
    }

    private boolean unused(String sha) {
        return w.queryStrings(Rows.CONTENT_IN_USE, params("sha", sha)).isEmpty();
    }

    @Override
    public int deleteLogs(String jobId, java.time.Instant at) {
        var p = params("job", jobId, "at", Clock.toNs(at));
        int chunks = w.update("DELETE FROM log_chunks WHERE job_id = :job", p);
        w.update("UPDATE jobs SET logs_pruned_at = coalesce(logs_pruned_at, :at) WHERE id = :job", p);
        return chunks;
    }

    @Override
    public dev.kiln.server.store.BuildRecord insertBuild(dev.kiln.server.store.BuildRecord build) {
        return builds.insertBuild(build);
    }

    @Override
    public void updateBuild(dev.kiln.server.store.BuildRecord build) {
        builds.updateBuild(build);
    }

    @Override
    public void upsertBuildPartition(dev.kiln.server.store.BuildPartition partition) {
        builds.upsertBuildPartition(partition);
    }

    @Override
    public void upsertBuildJob(dev.kiln.server.store.BuildJob job) {
        builds.upsertBuildJob(job);
    }

    @Override
    public void upsertPartition(dev.kiln.server.store.PartitionRecord partition) {
        builds.upsertPartition(partition);
    }

    @Override
    public void deletePartition(String ref) {
        builds.deletePartition(ref);
    }

    // ---------------------------------------------------------------- several servers on one database (V23)

    @Override
    public dev.kiln.server.store.GraphVersion insertGraphVersion(dev.kiln.server.store.GraphVersion version) {
        return shared.insertGraphVersion(version);
    }

    @Override
    public boolean requestCancel(dev.kiln.server.store.CancelRequest request) {
        return shared.requestCancel(request);
    }

    @Override
    public void forgetCancelRequest(String jobId) {
        shared.forgetCancelRequest(jobId);
    }
}
