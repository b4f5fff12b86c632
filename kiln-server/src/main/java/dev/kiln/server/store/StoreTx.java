package dev.kiln.server.store;

import dev.kiln.server.core.AgentRecord;
import dev.kiln.protocol.LogLine;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import java.util.List;

/** The writes of one transaction. Everything done through one StoreTx commits, or none of it. */
public interface StoreTx {

    /**
     * Stores a new job (and its secrets, kept apart from the spec; its input files, which keep their content; the job
     * it applies); returns it with its {@code seq}.
     */
    Job insertJob(Job job);

    void updateJob(Job job);

    /**
     * Stores {@code assigned} (a job taken off the queue) only if the stored job is still queued: the claim that lets
     * several servers on one database dispatch each job once. False, changing nothing, when another server took it,
     * or it was cancelled, meanwhile. A cancel of a queued job is stored the same way (the job given is cancelled),
     * so a cancel racing another server's claim loses when the claim committed first.
     */
    boolean claimQueuedJob(Job assigned);

    void insertAttempt(Attempt attempt);

    void updateAttempt(Attempt attempt);

    /** Appends an event; it is published on the bus after the commit. Returns it with its id. */
    Event appendEvent(Event draft);

    /** Stores lines numbered {@code firstLine ..} of an attempt's log. */
    void appendLogChunk(String jobId, int attempt, long firstLine, List<LogLine> lines);

    /**
     * Stores an agent (its first sighting kept). Its {@code lastSeen} never moves back: servers sharing a database
     * each write what they saw, and the newest sighting is the one that counts.
     */
    void upsertAgent(AgentRecord agent);

    void insertSession(dev.kiln.server.core.SessionRecord session);

    void touchSession(String id, java.time.Instant lastSeen);

    /** Ends a session; false when there is no such active session. */
    boolean revokeSession(String id, java.time.Instant at);

    /** Ends every session acting as this token. */
    void revokeSessionsOf(String tokenId, java.time.Instant at);

    void insertSignInCode(String hash, String tokenId, java.time.Instant createdAt, java.time.Instant expiresAt);

    /** Marks an unused, unexpired code used; false when it is unknown, used or expired (so it works once). */
    boolean redeemSignInCode(String hash, java.time.Instant at);

    /** Records an uploaded artifact (a re-upload of the same name replaces it). */
    void upsertArtifact(dev.kiln.server.core.Artifact artifact);

    /** Stores a release and its files; fails when its (name, version), or its job under that name, exists already. */
    void insertRelease(dev.kiln.server.core.Release release);

    void insertToken(dev.kiln.server.core.TokenRecord token);

    /** Marks a token revoked; false when there is no such token. */
    boolean revokeToken(String id, java.time.Instant at);

    /** Binds an agent token to an agent id, unless it is bound already; false when it was (or there is no such token). */
    boolean bindTokenToAgent(String tokenId, String agentId);

    /**
     * Deletes a job and all it holds: attempts, log, events, labels, artifact and input rows, the notifications about
     * it that were sent or given up (pending ones are still sent). Returns the contents (SHA-256) no artifact, input or
     * release row points to any more, whose files may now go.
     */
    List<String> deleteJob(String jobId);

    /** Deletes a job's artifact rows; returns the contents no artifact row points to any more. */
    List<String> deleteArtifacts(String jobId);

    /** Deletes every log chunk of a job and records that its log was pruned at {@code at}; returns the chunks deleted. */
    int deleteLogs(String jobId, java.time.Instant at);

    /** Stores a notification subscription (its secret sealed). */
    void insertSubscription(NotificationSubscription subscription);

    /** Deletes a subscription and its delivery log (pending deliveries included); false when there is none. */
    boolean deleteSubscription(String id);

    /** Adds a delivery to the outbox. */
    void insertDelivery(NotificationDelivery delivery);

    /** Records an attempt's outcome; false when the delivery is gone (its subscription was deleted meanwhile). */
    boolean recordDeliveryAttempt(NotificationDelivery.Attempt attempt);

    // ---------------------------------------------------------------- build requests and partitions (seed 000)

    /** Stores a new build request; returns it with its {@code seq}. */
    BuildRecord insertBuild(BuildRecord build);

    void updateBuild(BuildRecord build);

    /** Stores a requested partition of a build, or replaces it. */
    void upsertBuildPartition(BuildPartition partition);

    /** Stores a plan job of a build, or replaces it (same build and position). */
    void upsertBuildJob(BuildJob job);

    /** Sets a partition's latest state (a null {@code availableAt} keeps the stored one); the counts by status follow. */
    void upsertPartition(PartitionRecord partition);

    /** Forgets a partition (a build of it was abandoned and it was never available); the counts follow. */
    void deletePartition(String ref);

    // ---------------------------------------------------------------- several servers on one database (V23)

    /** Stores an accepted build graph version; returns it with its {@code seq}, above every stored before. */
    GraphVersion insertGraphVersion(GraphVersion version);

    /**
     * Records a cancel for the server whose agent runs the job, unless the job is finished (a second request for the
     * same job keeps the first). True when the job is unfinished, so a request for it is recorded.
     */
    boolean requestCancel(CancelRequest request);

    /** Deletes a job's cancel request (carried out, or its job finished); nothing when there is none. */
    void forgetCancelRequest(String jobId);
}
