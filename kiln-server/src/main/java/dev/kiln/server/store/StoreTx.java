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

    /** Records an uploaded artifact (a re-upload of the same name replaces it). */
    void upsertArtifact(dev.kiln.server.core.Artifact artifact);

    void insertToken(dev.kiln.server.core.TokenRecord token);

    /** Marks a token revoked; false when there is no such token. */
    boolean revokeToken(String id, java.time.Instant at);

    /** Binds an agent token to an agent id, unless it is bound already; false when it was (or there is no such token). */
    boolean bindTokenToAgent(String tokenId, String agentId);
}
