package dev.kiln.server.store;

import dev.kiln.server.core.AgentRecord;
import dev.kiln.protocol.LogLine;
import dev.kiln.server.events.Event;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import java.util.List;

/** The writes of one transaction. Everything done through one StoreTx commits, or none of it. */
public interface StoreTx {

    /** Stores a new job (and its secrets, kept apart from the spec); returns it with its {@code seq}. */
    Job insertJob(Job job);

    void updateJob(Job job);

    void insertAttempt(Attempt attempt);

    void updateAttempt(Attempt attempt);

    /** Appends an event; it is published on the bus after the commit. Returns it with its id. */
    Event appendEvent(Event draft);

    /** Stores lines numbered {@code firstLine ..} of an attempt's log. */
    void appendLogChunk(String jobId, int attempt, long firstLine, List<LogLine> lines);

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

    void insertToken(dev.kiln.server.core.TokenRecord token);

    /** Marks a token revoked; false when there is no such token. */
    boolean revokeToken(String id, java.time.Instant at);

    /** Binds an agent token to an agent id, unless it is bound already; false when it was (or there is no such token). */
    boolean bindTokenToAgent(String tokenId, String agentId);

    /**
     * Deletes a job and all it holds: attempts, log, events, labels, artifact rows. Returns the artifact contents
     * (SHA-256) no artifact row points to any more, whose files may now go.
     */
    List<String> deleteJob(String jobId);

    /** Deletes a job's artifact rows; returns the contents no artifact row points to any more. */
    List<String> deleteArtifacts(String jobId);

    /** Deletes every log chunk of a job and records that its log was pruned at {@code at}; returns the chunks deleted. */
    int deleteLogs(String jobId, java.time.Instant at);
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
}
