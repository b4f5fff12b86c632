package dev.kiln.server.store;

import dev.kiln.protocol.LogLine;
import dev.kiln.server.events.Clock;
import dev.kiln.server.events.Event;
import dev.kiln.server.jobs.Attempt;
import dev.kiln.server.jobs.Job;
import dev.kiln.server.logs.LogChunkCodec;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** The writes of one transaction, in SQL that SQLite and PostgreSQL both accept. */
final class SqlTx implements StoreTx {

    /** Ids handed out by the single writer itself: no round trip to learn a generated key. */
    static final class Ids {
        long nextJobSeq;
        long nextEventId;

        Ids(long nextJobSeq, long nextEventId) {
            this.nextJobSeq = nextJobSeq;
            this.nextEventId = nextEventId;
        }

        Ids copy() {
            return new Ids(nextJobSeq, nextEventId);
        }

        void restore(Ids from) {
            nextJobSeq = from.nextJobSeq;
            nextEventId = from.nextEventId;
        }
    }

    static Ids nextIds(Handle h) {
        long seq = h.createQuery("SELECT coalesce(max(seq), 0) FROM jobs").mapTo(Long.class).one();
        long event = h.createQuery("SELECT coalesce(max(id), 0) FROM events").mapTo(Long.class).one();
        return new Ids(seq + 1, event + 1);
    }

    private final Handle h;
    private final Ids ids;
    private final List<Event> events = new ArrayList<>();

    SqlTx(Handle h, Ids ids) {
        this.h = h;
        this.ids = ids;
    }

    List<Event> events() {
        return events;
    }

    @Override
    public Job insertJob(Job job) {
        Job stored = job.withSeq(ids.nextJobSeq++);
        h.createUpdate("""
                INSERT INTO jobs (seq, id, name, type, status, priority, spec, secrets, labels, attempt, agent_id,
                  created_at, updated_at, queued_at, started_at, finished_at, exit_code, error, rerun_of, outputs)
                VALUES (:seq, :id, :name, :type, :status, :priority, :spec, :secrets, :labels, :attempt, :agent,
                  :created, :updated, :queued, :started, :finished, :exit, :error, :rerun, :outputs)""")
                .bind("seq", stored.seq())
                .bind("id", stored.id())
                .bind("name", stored.spec().name())
                .bind("type", stored.spec().type())
                .bind("priority", stored.spec().priority())
                .bind("spec", Rows.toJson(stored.spec().snapshot()))
                .bind("secrets", stored.spec().secrets().isEmpty() ? null : Rows.toJson(stored.spec().secrets()))
                .bind("labels", Rows.labelsColumn(stored.spec().requirements()))
                .bind("created", Clock.toNs(stored.createdAt()))
                .bind("rerun", stored.rerunOf())
                .bindMap(Rows.mutableJobColumns(stored))
                .execute();
        return stored;
    }

    @Override
    public void updateJob(Job job) {
        int n = h.createUpdate("""
                UPDATE jobs SET status = :status, attempt = :attempt, agent_id = :agent, updated_at = :updated,
                  queued_at = :queued, started_at = :started, finished_at = :finished, exit_code = :exit,
                  error = :error, outputs = :outputs
                WHERE id = :id""")
                .bind("id", job.id())
                .bindMap(Rows.mutableJobColumns(job))
                .execute();
        if (n != 1) throw new IllegalStateException("no job " + job.id() + " to update");
    }

    @Override
    public void insertAttempt(Attempt a) {
        h.createUpdate("""
                INSERT INTO attempts (job_id, number, agent_id, status, created_at, started_at, finished_at,
                  exit_code, signal, error, pid, log_seq, line_count)
                VALUES (:job, :number, :agent, :status, :created, :started, :finished, :exit, :signal, :error, :pid,
                  :log_seq, :lines)""")
                .bindMap(Rows.attemptColumns(a))
                .execute();
    }

    @Override
    public void updateAttempt(Attempt a) {
        int n = h.createUpdate("""
                UPDATE attempts SET agent_id = :agent, status = :status, started_at = :started,
                  finished_at = :finished, exit_code = :exit, signal = :signal, error = :error, pid = :pid,
                  log_seq = :log_seq, line_count = :lines
                WHERE job_id = :job AND number = :number""")
                .bindMap(Rows.attemptColumns(a))
                .execute();
        if (n != 1) throw new IllegalStateException("no attempt " + a.number() + " of job " + a.jobId());
    }

    @Override
    public Event appendEvent(Event draft) {
        Event e = draft.withId(ids.nextEventId++);
        h.createUpdate("INSERT INTO events (id, job_id, kind, timestamp_ns, data) VALUES (:id, :job, :kind, :ts, :data)")
                .bind("id", e.id())
                .bind("job", e.jobId())
                .bind("kind", e.kind())
                .bind("ts", e.timestampNs())
                .bind("data", e.data().isEmpty() ? null : Rows.toJson(e.data()))
                .execute();
        events.add(e);
        return e;
    }

    @Override
    public void appendLogChunk(String jobId, int attempt, long firstLine, List<LogLine> lines) {
        h.createUpdate("INSERT INTO log_chunks (job_id, attempt, first_line, line_count, data) VALUES (:job, :a, :first, :n, :data)")
                .bind("job", jobId)
                .bind("a", attempt)
                .bind("first", firstLine)
                .bind("n", lines.size())
                .bind("data", LogChunkCodec.encode(lines))
                .execute();
    }

    @Override
    public void upsertAgent(AgentRecord a) {
        h.createUpdate("""
                INSERT INTO agents (id, name, labels, capacity, version, state, first_seen, last_seen)
                VALUES (:id, :name, :labels, :capacity, :version, :state, :first, :last)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, labels = excluded.labels,
                  capacity = excluded.capacity, version = excluded.version, state = excluded.state,
                  last_seen = excluded.last_seen""")
                .bind("id", a.id())
                .bind("name", a.name())
                .bind("labels", Rows.toJson(a.labels()))
                .bind("capacity", a.capacity())
                .bind("version", a.version())
                .bind("state", a.state())
                .bind("first", Clock.toNs(a.firstSeen()))
                .bind("last", Clock.toNs(a.lastSeen()))
                .execute();
    }

    @Override
    public void upsertArtifact(dev.kiln.server.artifacts.Artifact a) {
        h.createUpdate("""
                INSERT INTO artifacts (job_id, attempt, name, size, sha256, created_at)
                VALUES (:job, :attempt, :name, :size, :sha, :created)
                ON CONFLICT (job_id, attempt, name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
                  created_at = excluded.created_at""")
                .bind("job", a.jobId())
                .bind("attempt", a.attempt())
                .bind("name", a.name())
                .bind("size", a.size())
                .bind("sha", a.sha256())
                .bind("created", Clock.toNs(a.createdAt()))
                .execute();
    }

    @Override
    public void insertToken(dev.kiln.server.auth.TokenRecord t) {
        h.createUpdate("INSERT INTO tokens (id, name, role, hash, created_at) VALUES (:id, :name, :role, :hash, :created)")
                .bind("id", t.id())
                .bind("name", t.name())
                .bind("role", t.role().name().toLowerCase())
                .bind("hash", t.hash())
                .bind("created", Clock.toNs(t.createdAt()))
                .execute();
    }

    @Override
    public boolean revokeToken(String id, java.time.Instant at) {
        return h.createUpdate("UPDATE tokens SET revoked_at = coalesce(revoked_at, :at) WHERE id = :id")
                .bind("id", id).bind("at", Clock.toNs(at)).execute() == 1;
    }
}
