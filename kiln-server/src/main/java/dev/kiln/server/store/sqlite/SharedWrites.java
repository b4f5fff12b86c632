package dev.kiln.server.store.sqlite;

import dev.kiln.server.events.Clock;
import dev.kiln.server.store.CancelRequest;
import dev.kiln.server.store.GraphVersion;

/** What servers on one database tell each other (V23): the build graph versions and the cancel requests. */
final class SharedWrites {
    private final WriterSql w;

    SharedWrites(WriterSql w) {
        this.w = w;
    }

    GraphVersion insertGraphVersion(GraphVersion v) {
        long seq = w.insertGeneratingKey("""
                INSERT INTO graph_versions (version, yaml, source, server, stored_at)
                VALUES (:version, :yaml, :source, :server, :at)""",
                SqlTx.params("version", v.version(), "yaml", v.yaml(), "source", v.source(), "server", v.server(),
                        "at", Clock.toNs(v.storedAt())));
        return new GraphVersion(seq, v.version(), v.yaml(), v.source(), v.server(), v.storedAt());
    }

    boolean requestCancel(CancelRequest r) {
        var p = SqlTx.params("job", r.jobId(), "by", r.by(), "at", Clock.toNs(r.at()));
        // only for an unfinished job, and the first request stays (ON CONFLICT: SQLite and PostgreSQL alike)
        int added = w.update("INSERT INTO cancel_requests (job_id, requested_by, requested_at) SELECT id, :by, :at FROM jobs"
                + " WHERE id = :job AND status IN " + SqliteStore.ACTIVE_STATUSES + " ON CONFLICT (job_id) DO NOTHING", p);
        return added == 1 || !w.queryStrings("SELECT id FROM jobs WHERE id = :job AND status IN "
                + SqliteStore.ACTIVE_STATUSES, p).isEmpty();
    }

    void forgetCancelRequest(String jobId) {
        w.update("DELETE FROM cancel_requests WHERE job_id = :job", SqlTx.params("job", jobId));
    }
}
