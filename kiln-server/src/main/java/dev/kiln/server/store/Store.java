package dev.kiln.server.store;

import dev.kiln.server.core.AgentRecord;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.logs.NumberedLine;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Kiln's one storage contract. Writes are transactions: a state change and the events it causes commit together,
 * and the future completes once they are durable. Writes submitted in order commit in order. Committed events are
 * published to the event bus in commit order, their ids increasing in that order; a failed write publishes nothing.
 * Reads see committed data only. Job seqs and event ids come from the database. The test-jar's StoreContractTest
 * checks every store against this.
 */
public interface Store extends AutoCloseable {

    <T> CompletableFuture<T> write(Function<StoreTx, T> work);

    Optional<Job> job(String id);

    /**
     * Ids of the jobs whose id starts with {@code prefix} (not empty, compared as given), in id order, at most
     * {@code limit}: how a short id people type is found. A range on the id's own key, never a scan.
     */
    List<String> jobIdsStartingWith(String prefix, int limit);

    Page<Job> jobs(JobQuery query);

    /** Jobs not in a terminal status, in submission order: what the server must pick up at start. */
    List<Job> activeJobs();

    Map<JobStatus, Long> countByStatus();

    List<Attempt> attempts(String jobId);

    Optional<Attempt> attempt(String jobId, int number);

    /** Secrets of a job, in clear, for sending to the agent that runs it. */
    Map<String, String> secrets(String jobId);

    /** Events of one job with id greater than {@code afterId}, oldest first. */
    List<Event> jobEvents(String jobId, long afterId, int limit);

    /** All events with id greater than {@code afterId}, oldest first. */
    List<Event> events(long afterId, int limit);

    /**
     * The newest {@code limit} events of one job (of one {@code kind}, or of any when null), oldest first, and how many
     * such events it has in all: what a job page shows first, however many events the job wrote (the rest come live
     * after the newest one's id).
     */
    EventsTail jobEventsTail(String jobId, String kind, int limit);

    /** The newest events of a job and the count of all of them. */
    record EventsTail(List<Event> events, long total) {}

    /** The newest event's id, 0 when there is none: where a stream that starts from now begins. Cheap (no scan). */
    long lastEventId();

    /** Lines {@code afterLine+1 ..} of an attempt's log, at most {@code limit}. */
    List<NumberedLine> logLines(String jobId, int attempt, long afterLine, int limit);

    /** Every line of an attempt's log in order, without holding it all in memory. */
    void forEachLogLine(String jobId, int attempt, Consumer<NumberedLine> sink);

    /**
     * Run durations (ms) of the most recent successful jobs, newest first: of this type and name, of this type when
     * {@code name} is null, of any job when both are null.
     */
    List<Long> recentDurationsMs(String type, String name, int limit);

    List<AgentRecord> agents();

    /** Sessions not revoked and not yet expired at {@code now}. */
    List<dev.kiln.server.core.SessionRecord> activeSessions(java.time.Instant now);

    /** The token a sign-in code acts as, by the code's hash (whether or not it was used). */
    Optional<String> signInCodeTokenId(String hash);

    /** Artifacts of a job, all attempts, by attempt then name. */
    List<dev.kiln.server.core.Artifact> artifacts(String jobId);

    /** Every token ever issued, newest first (hashes only). */
    List<dev.kiln.server.core.TokenRecord> tokens();

    /**
     * Finished jobs (terminal status) that finished before {@code before}, oldest first (by finish time, then seq),
     * after the cursor {@code (afterFinishedAt, afterSeq)} (null: from the start), at most {@code limit}.
     */
    List<FinishedJob> finishedJobs(java.time.Instant before, java.time.Instant afterFinishedAt, long afterSeq, int limit);

    /** When a job's log was pruned by retention; empty when it was not (or there is no such job). */
    Optional<java.time.Instant> logsPrunedAt(String jobId);

    /** Ids of the jobs made to apply {@code jobId} (their spec's {@code applies}), oldest first: its "applied by". */
    List<String> jobsApplying(String jobId);

    /** The newest succeeded job of this type and name: a plan older than it is stale. */
    Optional<Job> newestSucceeded(String type, String name);

    /** Releases, newest first, at most {@code limit}: of one name and/or one job when those are not null. */
    List<dev.kiln.server.core.Release> releases(String name, String jobId, int limit);

    Optional<dev.kiln.server.core.Release> release(String name, String version);

    /** Whether any artifact, job input or release file row still points to the content {@code sha256}. */
    boolean artifactContentInUse(String sha256);

    /** Bytes the store's data takes (not counting space freed but not yet given back). */
    long dataBytes();

    /** Gives the space that deletes freed back to the file system, in small steps between other writes. */
    void reclaimSpace();

    /**
     * Writes a consistent snapshot of the whole store into the empty directory {@code dir}, while writes go on; a
     * store opened on {@code dir} (with the same secrets key) reads what was committed when the snapshot began.
     */
    void backupTo(java.nio.file.Path dir);

    /**
     * From now on, every event appended is shown to {@code outbox} and the deliveries it returns are written in the
     * event's transaction (see {@link Outbox}). {@link Outbox#NONE} until set.
     */
    void useOutbox(Outbox outbox);

    /** Every notification subscription, oldest first, with its secret in clear (for signing). */
    List<NotificationSubscription> notificationSubscriptions();

    /** The newest {@code limit} deliveries of a subscription, newest first: its delivery log. */
    List<NotificationDelivery> subscriptionDeliveries(String subscriptionId, int limit);

    /** The newest {@code limit} deliveries about a job (of subscriptions and of its own targets), newest first. */
    List<NotificationDelivery> jobDeliveries(String jobId, int limit);

    /** Pending deliveries due at {@code now}, the longest due first, at most {@code limit}. */
    List<NotificationDelivery> dueDeliveries(java.time.Instant now, int limit);

    /** When the next pending delivery is due (maybe in the past); empty when none is pending. */
    Optional<java.time.Instant> nextDeliveryDue();

    /** Whether the store answers and its schema is current: what readiness reports. */
    StoreHealth health();

    // ---------------------------------------------------------------- build requests and partitions (seed 000)
    // Each read is a range of one index, paged by a key (never OFFSET): the sizes are 1,000,000 partitions and
    // 100,000 builds.

    Optional<BuildRecord> build(String id);

    /** Builds newest first, filtered and paged as the query says; the cursor is the last build's seq. */
    Page<BuildRecord> builds(BuildQuery query);

    /** Builds the engine still follows ({@code driven}), oldest first: what it picks up at start. */
    List<BuildRecord> drivenBuilds();

    /** A build's requested partitions in ref order: of {@code status} (null: any), after {@code afterRef} (null: first). */
    List<BuildPartition> buildPartitions(String buildId, String status, String afterRef, int limit);

    /** Requested partitions of other builds that are delegated to this one, newest build first. */
    List<BuildPartition> delegatedTo(String buildId, int limit);

    /** A build's plan jobs in dependency order. */
    List<BuildJob> buildJobs(String buildId);

    /** The plan job a Kiln job was submitted for. */
    Optional<BuildJob> buildJobOf(String jobId);

    /**
     * A plan job's secrets in clear (its {@code spec} is read with them masked): for submitting a job that was still
     * waiting when the server stopped. Empty when it has none.
     */
    Map<String, String> buildJobSecrets(String buildId, int position);

    /** The jobs of a definition submitted most recently, newest first (a definition's run history). */
    List<BuildJob> recentBuildJobs(String definition, int limit);

    /** The stored state of these refs (a ref never built is left out), in one query per few hundred refs. */
    Map<String, PartitionRecord> partitions(java.util.Collection<String> refs);

    /** Partitions in ref order, as the query filters and pages them; the cursor is the last ref. */
    Page<PartitionRecord> partitions(PartitionQuery query);

    /** Partitions by status: exact without a prefix; with one each status counted up to {@code cap}. */
    PartitionCounts partitionCounts(String prefix, int cap);

    /** Events of one build with id greater than {@code afterId}, oldest first. */
    List<Event> buildEvents(String buildId, long afterId, int limit);

    /** Events about one partition ref with id greater than {@code afterId}, oldest first. */
    List<Event> partitionEvents(String ref, long afterId, int limit);

    // ---------------------------------------------------------------- several servers on one database (V23)

    /** The newest stored build graph version, if its seq is above {@code afterSeq} (0: any): what a server polls. */
    Optional<GraphVersion> newestGraphVersion(long afterSeq);

    /** Whether this graph version (its SHA-256) was ever stored: a file's content accepted before is not new. */
    boolean graphVersionStored(String version);

    /** Every cancel asked of a server that does not run the job, oldest first. */
    List<CancelRequest> cancelRequests();

    @Override
    void close();
}
