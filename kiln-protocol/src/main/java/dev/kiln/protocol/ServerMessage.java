package dev.kiln.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Messages the server sends to an agent. The JSON carries the kind in {@code type}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ServerMessage.Welcome.class, name = "welcome"),
    @JsonSubTypes.Type(value = ServerMessage.Assign.class, name = "assign"),
    @JsonSubTypes.Type(value = ServerMessage.Cancel.class, name = "cancel"),
    @JsonSubTypes.Type(value = ServerMessage.Ack.class, name = "ack"),
})
public sealed interface ServerMessage {

    record Welcome(String agentId, long heartbeatIntervalMs) implements ServerMessage {}

    record Assign(JobAssignment job) implements ServerMessage {}

    /** Stop the job: SIGTERM to its process group, {@code graceSeconds}, then SIGKILL. */
    record Cancel(String jobId, int attempt, int graceSeconds) implements ServerMessage {}

    /** Every log chunk of the attempt up to and including {@code seq} is stored. */
    record Ack(String jobId, int attempt, long seq) implements ServerMessage {}
}
