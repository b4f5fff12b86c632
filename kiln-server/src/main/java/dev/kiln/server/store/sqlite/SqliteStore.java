package dev.kiln.server.store.sqlite;

import dev.kiln.server.core.KilnMetrics;
import dev.kiln.server.store.SecretCipher;
import dev.kiln.server.store.Store;
import dev.kiln.server.store.StoreTx;
import dev.kiln.server.store.JobQuery;
import dev.kiln.server.store.Page;
import dev.kiln.server.core.AgentRecord;
import com.zaxxer.hikari.HikariDataSource;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.logs.LogChunkCodec;
import dev.kiln.server.logs.NumberedLine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The SQL store. By default on one SQLite file in WAL mode; {@code store.postgres} opens the same store on
 * PostgreSQL (its name predates that). All writes go through one {@link GroupCommitWriter} thread (SQLite has one
 * writer anyway); reads use a small pool of read-only connections that never wait for the writer.
 */
public final class SqliteStore implements Store {
    private final Jdbi readers;
    // The event reads the streams make, each a range of an index (SqliteEventQueriesTest checks their plans):
    // by id the table's own key (rowid), by job the events_by_job index; max(id) reads one end of the key.
    static final String EVENTS_AFTER = "SELECT * FROM events WHERE id > :after ORDER BY id LIMIT :limit";
    static final String JOB_EVENTS_AFTER = "SELECT * FROM events WHERE job_id = :job AND id > :after ORDER BY id LIMIT :limit";
    static final String JOB_EVENTS_NEWEST =
            "SELECT * FROM events WHERE job_id = :job AND (:kind IS NULL OR kind = :kind) ORDER BY id DESC LIMIT :limit";
    static final String JOB_EVENTS_COUNT = "SELECT count(*) FROM events WHERE job_id = :job AND (:kind IS NULL OR kind = :kind)";
    static final String LAST_EVENT_ID = "SELECT coalesce(max(id), 0) FROM events";

    private final HikariDataSource readPool;
    private final GroupCommitWriter writer;
    private final WalCheckpointer checkpointer;
    private final SealedSecrets secrets;
    private final SqlDialect dialect;
    private final StoreUpkeep upkeep;
    private final BuildReads builds;
    private final NotificationReads notifications;
    private final SharedReads shared;
    static final String ACTIVE_STATUSES = "('queued','assigned','running','cancelling','stopping')";

    /** A store whose secrets are sealed with the key file of {@code dataDir}. */
    public SqliteStore(Path dataDir, EventBus bus) {
        this(dataDir, bus, SecretCipher.inDataDir(dataDir));
    }

    public SqliteStore(Path dataDir, EventBus bus, SecretCipher cipher) {
        this(dataDir, bus, cipher, KilnMetrics.discarding());
    }

    /** {@code metrics}: the writer records each group commit's size and latency. */
    public SqliteStore(Path dataDir, EventBus bus, SecretCipher cipher, KilnMetrics metrics) {
        this(SqlDialect.SQLITE, SqliteFile.open(dataDir, new SealedSecrets(cipher)), bus, cipher, metrics);
    }

    /**
     * The store on a database migrated already: written through {@code writeHandle} alone (the store owns and closes
     * it), read through {@code readPool} (closed with the store too). {@code metrics}: the writer records each group
     * commit's size and latency.
     */
    public SqliteStore(SqlDialect dialect, Connections db, EventBus bus, SecretCipher cipher, KilnMetrics metrics) {
        this.dialect = dialect;
        this.secrets = new SealedSecrets(cipher);
        this.readPool = db.readPool();
        this.readers = Jdbi.create(readPool);
        try {
            secrets.verifyKey(db.writeHandle(), dialect);
        } catch (RuntimeException e) {
            db.writeHandle().close();
            if (db.checkpointHandle() != null) db.checkpointHandle().close();
            readPool.close();
            throw e;
        }
        this.writer = new GroupCommitWriter(db.writeHandle(), db.reconnect(), bus, secrets, dialect, metrics);
        // SQLite: the WAL is copied back by a thread of its own (PostgreSQL has no such step)
        this.checkpointer = db.checkpointHandle() == null ? null : new WalCheckpointer(db.checkpointHandle(), writer::commits);
        this.upkeep = new StoreUpkeep(readers, writer, dialect, db.schemaVersion());
        this.builds = new BuildReads(readers);
        this.notifications = new NotificationReads(readers, secrets);
        this.shared = new SharedReads(readers);
    }

    /**
     * The writer's connection and the readers' pool of a database, and the schema version it was migrated to;
     * {@code reconnect} (null: never) reopens the writer's connection when the database drops it.
     */
    public record Connections(HikariDataSource readPool, Handle writeHandle, String schemaVersion, WriterReconnect reconnect,
                              Handle checkpointHandle) {
        public Connections(HikariDataSource readPool, Handle writeHandle, String schemaVersion, WriterReconnect reconnect) {
            this(readPool, writeHandle, schemaVersion, reconnect, null);
        }

        public Connections(HikariDataSource readPool, Handle writeHandle, String schemaVersion) {
            this(readPool, writeHandle, schemaVersion, null);
        }
    }

    @Override
    public <T> CompletableFuture<T> write(Function<StoreTx, T> work) {
        return writer.submit(work);
    }

    @Override
    public Optional<Job> job(String id) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE id = :id").bind("id", id)
                .map(Rows::job).findOne());
    }

    /** Ids in [from, to): a range on the unique index of jobs.id (SqliteStoreIdPrefixTest checks the plan). */
    static final String JOB_IDS_STARTING_WITH = "SELECT id FROM jobs WHERE id >= :from AND id < :to ORDER BY id LIMIT :limit";

    @Override
    public List<String> jobIdsStartingWith(String prefix, int limit) {
        if (prefix.isEmpty()) throw new IllegalArgumentException("an id prefix is not empty");
        // id >= prefix AND id < the prefix's successor: a range on the unique index of jobs.id (LIKE would scan)
        String successor = BuildReads.successor(prefix);
        return readers.withHandle(h -> h.createQuery(JOB_IDS_STARTING_WITH)
                .bind("from", prefix).bind("to", successor).bind("limit", limit).mapTo(String.class).list());
    }

    @Override
    public Page<Job> jobs(JobQuery q) {
        return readers.withHandle(h -> JobListing.page(h, q, dialect));
    }

    @Override
    public List<Job> activeJobs() {
        return readers.withHandle(h -> h.createQuery(
                "SELECT * FROM jobs WHERE status IN " + ACTIVE_STATUSES + " ORDER BY seq")
                .map(Rows::job).list());
    }

    @Override
    public Map<JobStatus, Long> countByStatus() {
        var counts = new EnumMap<JobStatus, Long>(JobStatus.class);
        readers.useHandle(h -> h.createQuery("SELECT status, count(*) AS n FROM jobs GROUP BY status")
                .map((rs, ctx) -> Map.entry(JobStatus.fromWire(rs.getString("status")), rs.getLong("n")))
                .forEach(e -> counts.put(e.getKey(), e.getValue())));
        return counts;
    }

    @Override
    public List<Attempt> attempts(String jobId) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM attempts WHERE job_id = :id ORDER BY number")
                .bind("id", jobId).map(Rows::attempt).list());
    }

    @Override
    public Optional<Attempt> attempt(String jobId, int number) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM attempts WHERE job_id = :id AND number = :n")
                .bind("id", jobId).bind("n", number).map(Rows::attempt).findOne());
    }

    @Override
    public Map<String, String> secrets(String jobId) {
        return readers.withHandle(h -> h.createQuery("SELECT secrets FROM jobs WHERE id = :id").bind("id", jobId)
                .mapTo(String.class).findOne().map(column -> secrets.fromColumn(jobId, column)).orElse(Map.of()));
    }

    @Override
    public List<Event> jobEvents(String jobId, long afterId, int limit) {
        return readers.withHandle(h -> h.createQuery(JOB_EVENTS_AFTER)
                .bind("job", jobId).bind("after", afterId).bind("limit", limit).map(Rows::event).list());
    }

    @Override
    public List<Event> events(long afterId, int limit) {
        return readers.withHandle(h -> h.createQuery(EVENTS_AFTER)
                .bind("after", afterId).bind("limit", limit).map(Rows::event).list());
    }

    @Override
    public EventsTail jobEventsTail(String jobId, String kind, int limit) {
        return readers.inTransaction(h -> new EventsTail(
                h.createQuery(JOB_EVENTS_NEWEST).bind("job", jobId).bind("kind", kind).bind("limit", limit)
                        .map(Rows::event).list().reversed(), // newest first from the index, oldest first to the caller
                h.createQuery(JOB_EVENTS_COUNT).bind("job", jobId).bind("kind", kind).mapTo(Long.class).one()));
    }

    @Override
    public long lastEventId() {
        return readers.withHandle(h -> h.createQuery(LAST_EVENT_ID).mapTo(Long.class).one());
    }

    @Override
    public List<NumberedLine> logLines(String jobId, int attempt, long afterLine, int limit) {
        return readers.withHandle(h -> {
            // The chunk holding line afterLine+1 starts at or before it; later chunks follow in key order.
            Long start = h.createQuery("SELECT max(first_line) FROM log_chunks WHERE job_id = :job AND attempt = :a AND first_line <= :line")
                    .bind("job", jobId).bind("a", attempt).bind("line", afterLine + 1)
                    .mapTo(Long.class).findOne().orElse(null);
            long from = start == null ? 0 : start;
            var out = new ArrayList<NumberedLine>(Math.min(limit, 10_000));
            try (var chunks = h.createQuery("SELECT first_line, data FROM log_chunks WHERE job_id = :job AND attempt = :a AND first_line >= :from ORDER BY first_line")
                    .bind("job", jobId).bind("a", attempt).bind("from", from)
                    .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getBytes(2)}).stream()) {
                var it = chunks.iterator();
                while (it.hasNext() && out.size() < limit) {
                    Object[] row = it.next();
                    long number = (Long) row[0];
                    for (var line : LogChunkCodec.decode((byte[]) row[1])) {
                        if (number > afterLine && out.size() < limit) out.add(new NumberedLine(number, line));
                        number++;
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void forEachLogLine(String jobId, int attempt, Consumer<NumberedLine> sink) {
        // in a transaction: PostgreSQL's driver fetches by the fetch size only then (else it reads every row at once)
        readers.useTransaction(h -> {
            try (var chunks = h.createQuery("SELECT first_line, data FROM log_chunks WHERE job_id = :job AND attempt = :a ORDER BY first_line")
                    .bind("job", jobId).bind("a", attempt).setFetchSize(16)
                    .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getBytes(2)}).stream()) {
                chunks.forEach(row -> {
                    long number = (Long) row[0];
                    for (var line : LogChunkCodec.decode((byte[]) row[1])) sink.accept(new NumberedLine(number++, line));
                });
            }
        });
    }

    @Override
    public List<Long> recentDurationsMs(String type, String name, int limit) {
        if (type == null && name != null) throw new IllegalArgumentException("a name needs its type");
        // each form walks an index newest first: (type, name, seq), (type, seq) or (status, seq)
        String where = type == null ? "" : name == null ? "type = :type AND " : "type = :type AND name = :name AND ";
        return readers.withHandle(h -> {
            var q = h.createQuery("SELECT (finished_at - started_at) / 1000000 FROM jobs WHERE " + where
                    + "status = 'succeeded' AND started_at IS NOT NULL ORDER BY seq DESC LIMIT :limit");
            if (type != null) q.bind("type", type);
            if (name != null) q.bind("name", name);
            return q.bind("limit", limit).mapTo(Long.class).list();
        });
    }

    @Override
    public List<AgentRecord> agents() {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM agents ORDER BY name").map(Rows::agent).list());
    }

    @Override
    public void useOutbox(dev.kiln.server.store.Outbox outbox) {
        writer.useOutbox(outbox);
    }

    @Override
    public List<dev.kiln.server.store.NotificationSubscription> notificationSubscriptions() {
        return notifications.subscriptions();
    }

    @Override
    public List<dev.kiln.server.store.NotificationDelivery> subscriptionDeliveries(String subscriptionId, int limit) {
        return notifications.subscriptionDeliveries(subscriptionId, limit);
    }

    @Override
    public List<dev.kiln.server.store.NotificationDelivery> jobDeliveries(String jobId, int limit) {
        return notifications.jobDeliveries(jobId, limit);
    }

    @Override
    public List<dev.kiln.server.store.NotificationDelivery> dueDeliveries(java.time.Instant now, int limit) {
        return notifications.dueDeliveries(now, limit);
    }

    @Override
    public Optional<java.time.Instant> nextDeliveryDue() {
        return notifications.nextDeliveryDue();
    }

    @Override
    public List<dev.kiln.server.core.Artifact> artifacts(String jobId) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM artifacts WHERE job_id = :job ORDER BY attempt, name")
                .bind("job", jobId).map(Rows::artifact).list());
    }

    @Override
    public List<dev.kiln.server.core.SessionRecord> activeSessions(java.time.Instant now) {
        return readers.withHandle(h -> h.createQuery(
                "SELECT * FROM sessions WHERE revoked_at IS NULL AND expires_at > :now ORDER BY created_at")
                .bind("now", dev.kiln.server.events.Clock.toNs(now)).map(Rows::session).list());
    }

    @Override
    public Optional<String> signInCodeTokenId(String hash) {
        return readers.withHandle(h -> h.createQuery("SELECT token_id FROM sign_in_codes WHERE hash = :hash")
                .bind("hash", hash).mapTo(String.class).findOne());
    }

    @Override
    public List<dev.kiln.server.core.TokenRecord> tokens() {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM tokens ORDER BY created_at DESC").map(Rows::token).list());
    }

    @Override
    public List<dev.kiln.server.store.FinishedJob> finishedJobs(java.time.Instant before, java.time.Instant afterFinishedAt,
                                                               long afterSeq, int limit) {
        return readers.withHandle(h -> h.createQuery("""
                SELECT j.id, j.seq, j.status, j.finished_at, j.logs_pruned_at,
                  (SELECT coalesce(sum(length(c.data)), 0) FROM log_chunks c WHERE c.job_id = j.id) AS log_bytes,
                  (SELECT count(*) FROM artifacts a WHERE a.job_id = j.id) AS artifacts,
                  (SELECT coalesce(sum(a.size), 0) FROM artifacts a WHERE a.job_id = j.id) AS artifact_bytes
                FROM jobs j
                WHERE j.finished_at IS NOT NULL AND j.finished_at < :before AND j.status NOT IN\s""" + ACTIVE_STATUSES + """
                  AND (j.finished_at > :afterAt OR (j.finished_at = :afterAt AND j.seq > :afterSeq))
                ORDER BY j.finished_at, j.seq LIMIT :limit""")
                .bind("before", dev.kiln.server.events.Clock.toNs(before))
                .bind("afterAt", afterFinishedAt == null ? Long.MIN_VALUE : dev.kiln.server.events.Clock.toNs(afterFinishedAt))
                .bind("afterSeq", afterSeq).bind("limit", limit)
                .map((rs, ctx) -> new dev.kiln.server.store.FinishedJob(rs.getString("id"), rs.getLong("seq"),
                        JobStatus.fromWire(rs.getString("status")), dev.kiln.server.events.Clock.toInstant(rs.getLong("finished_at")),
                        rs.getLong("log_bytes"), rs.getInt("artifacts"), rs.getLong("artifact_bytes"),
                        rs.getObject("logs_pruned_at") != null))
                .list());
    }

    @Override
    public Optional<java.time.Instant> logsPrunedAt(String jobId) {
        return readers.withHandle(h -> h.createQuery("SELECT logs_pruned_at FROM jobs WHERE id = :id AND logs_pruned_at IS NOT NULL")
                .bind("id", jobId).mapTo(Long.class).findOne().map(dev.kiln.server.events.Clock::toInstant));
    }

    @Override
    public boolean artifactContentInUse(String sha256) {
        return readers.withHandle(h -> h.createQuery(Rows.CONTENT_IN_USE)
                .bind("sha", sha256).mapTo(String.class).findOne().isPresent());
    }

    @Override
    public List<String> jobsApplying(String jobId) {
        return readers.withHandle(h -> h.createQuery("SELECT id FROM jobs WHERE applies = :job ORDER BY seq")
                .bind("job", jobId).mapTo(String.class).list());
    }

    @Override
    public Optional<Job> newestSucceeded(String type, String name) {
        // the (type, name, seq) index, newest first
        return readers.withHandle(h -> h.createQuery("""
                SELECT * FROM jobs WHERE type = :type AND name = :name AND status = 'succeeded'
                ORDER BY seq DESC LIMIT 1""").bind("type", type).bind("name", name).map(Rows::job).findOne());
    }

    @Override
    public List<dev.kiln.server.core.Release> releases(String name, String jobId, int limit) {
        return readers.withHandle(h -> {
            var releases = h.createQuery("""
                    SELECT * FROM releases WHERE (:name IS NULL OR name = :name) AND (:job IS NULL OR job_id = :job)
                    ORDER BY promoted_at DESC, name, version LIMIT :limit""")
                    .bind("name", name).bind("job", jobId).bind("limit", limit).map(Rows::releaseHead).list();
            return releases.stream().map(r -> r.withFiles(releaseFiles(h, r.name(), r.version()))).toList();
        });
    }

    @Override
    public Optional<dev.kiln.server.core.Release> release(String name, String version) {
        return readers.withHandle(h -> h.createQuery("SELECT * FROM releases WHERE name = :name AND version = :version")
                .bind("name", name).bind("version", version).map(Rows::releaseHead).findOne()
                .map(r -> r.withFiles(releaseFiles(h, name, version))));
    }

    private static List<dev.kiln.server.core.FileRef> releaseFiles(Handle h, String name, String version) {
        return h.createQuery("SELECT * FROM release_files WHERE name = :name AND version = :version ORDER BY path")
                .bind("name", name).bind("version", version).map(Rows::fileRef).list();
    }

    @Override
    public long dataBytes() {
        return upkeep.dataBytes();
    }

    @Override
    public void reclaimSpace() {
        upkeep.reclaimSpace();
    }

    @Override
    public void backupTo(Path dir) {
        upkeep.backupTo(dir);
    }

    /** SQLite's own check of the whole file: "ok", or what is damaged. Reads every page: for restores, not for probes. */
    public String integrityCheck() {
        return upkeep.integrityCheck();
    }

    @Override
    public dev.kiln.server.store.StoreHealth health() {
        return upkeep.health();
    }

    @Override
    public Optional<dev.kiln.server.store.BuildRecord> build(String id) {
        return builds.build(id);
    }

    @Override
    public Page<dev.kiln.server.store.BuildRecord> builds(dev.kiln.server.store.BuildQuery query) {
        return builds.builds(query);
    }

    @Override
    public List<dev.kiln.server.store.BuildRecord> drivenBuilds() {
        return builds.drivenBuilds();
    }

    @Override
    public List<dev.kiln.server.store.BuildPartition> buildPartitions(String buildId, String status, String afterRef, int limit) {
        return builds.buildPartitions(buildId, status, afterRef, limit);
    }

    @Override
    public List<dev.kiln.server.store.BuildPartition> delegatedTo(String buildId, int limit) {
        return builds.delegatedTo(buildId, limit);
    }

    @Override
    public List<dev.kiln.server.store.BuildJob> buildJobs(String buildId) {
        return builds.buildJobs(buildId);
    }

    @Override
    public Map<String, String> buildJobSecrets(String buildId, int position) {
        String binding = BuildWrites.secretsBinding(buildId, position);
        return readers.withHandle(h -> h.createQuery("SELECT secrets FROM build_jobs WHERE build_id = :build AND position = :position")
                .bind("build", buildId).bind("position", position).mapTo(String.class).findOne()
                .map(column -> secrets.fromColumn(binding, column)).orElse(Map.of()));
    }

    @Override
    public Optional<dev.kiln.server.store.BuildJob> buildJobOf(String jobId) {
        return builds.buildJobOf(jobId);
    }

    @Override
    public List<dev.kiln.server.store.BuildJob> recentBuildJobs(String definition, int limit) {
        return builds.recentBuildJobs(definition, limit);
    }

    @Override
    public Map<String, dev.kiln.server.store.PartitionRecord> partitions(java.util.Collection<String> refs) {
        return builds.partitions(refs);
    }

    @Override
    public Page<dev.kiln.server.store.PartitionRecord> partitions(dev.kiln.server.store.PartitionQuery query) {
        return builds.partitions(query);
    }

    @Override
    public dev.kiln.server.store.PartitionCounts partitionCounts(String prefix, int cap) {
        return builds.partitionCounts(prefix, cap);
    }

    @Override
    public List<Event> buildEvents(String buildId, long afterId, int limit) {
        return builds.buildEvents(buildId, afterId, limit);
    }

    @Override
    public List<Event> partitionEvents(String ref, long afterId, int limit) {
        return builds.partitionEvents(ref, afterId, limit);
    }

    /** A PRAGMA's value on the writer's own connection (tests: what the writer runs with). */
    long writerSetting(String pragma) {
        long[] value = new long[1];
        writer.outsideTransaction(h -> value[0] = h.createQuery("PRAGMA " + pragma).mapTo(Long.class).one()).join();
        return value[0];
    }

    @Override
    public void close() {
        if (checkpointer != null) checkpointer.close();
        writer.close();
        readPool.close();
    }

    // ---------------------------------------------------------------- several servers on one database (V23)

    @Override
    public Optional<dev.kiln.server.store.GraphVersion> newestGraphVersion(long afterSeq) {
        return shared.newestGraphVersion(afterSeq);
    }

    @Override
    public boolean graphVersionStored(String version) {
        return shared.graphVersionStored(version);
    }

    @Override
    public List<dev.kiln.server.store.CancelRequest> cancelRequests() {
        return shared.cancelRequests();
    }
}
