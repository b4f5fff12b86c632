package dev.kiln.server.store.sqlite;

import dev.kiln.server.events.Clock;
import dev.kiln.server.store.CancelRequest;
import dev.kiln.server.store.GraphVersion;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** What servers on one database tell each other (V23): the build graph versions and the cancel requests. */
final class SharedReads {
    private final Jdbi readers;

    SharedReads(Jdbi readers) {
        this.readers = readers;
    }

    Optional<GraphVersion> newestGraphVersion(long afterSeq) {
        // the key's far end: one row read, none when nothing newer was stored
        return readers.withHandle(h -> h.createQuery("SELECT * FROM graph_versions WHERE seq > :after ORDER BY seq DESC LIMIT 1")
                .bind("after", afterSeq)
                .map((rs, ctx) -> new GraphVersion(rs.getLong("seq"), rs.getString("version"), rs.getString("yaml"),
                        rs.getString("source"), rs.getString("server"), Clock.toInstant(rs.getLong("stored_at"))))
                .findOne());
    }

    boolean graphVersionStored(String version) {
        return readers.withHandle(h -> h.createQuery("SELECT count(*) FROM graph_versions WHERE version = :version")
                .bind("version", version).mapTo(Long.class).one()) > 0;
    }

    List<CancelRequest> cancelRequests() {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM cancel_requests ORDER BY requested_at, job_id")
                .map((rs, ctx) -> new CancelRequest(rs.getString("job_id"), rs.getString("requested_by"),
                        Clock.toInstant(rs.getLong("requested_at"))))
                .list());
    }
}
