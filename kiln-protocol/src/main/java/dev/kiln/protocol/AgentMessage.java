package dev.kiln.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/**
 * Messages an agent sends to the server over its WebSocket. The JSON carries the kind in {@code type}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = AgentMessage.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = AgentMessage.Heartbeat.class, name = "heartbeat"),
    @JsonSubTypes.Type(value = AgentMessage.JobStarted.class, name = "job.started"),
    @JsonSubTypes.Type(value = AgentMessage.Log.class, name = "log"),
    @JsonSubTypes.Type(value = AgentMessage.JobEvent.class, name = "job.event"),
    @JsonSubTypes.Type(value = AgentMessage.JobOutput.class, name = "job.output"),
    @JsonSubTypes.Type(value = AgentMessage.JobFinished.class, name = "job.finished"),
    @JsonSubTypes.Type(value = AgentMessage.JobReady.class, name = "job.ready"),
})
public sealed interface AgentMessage {

    /** First message after connecting. {@code running} lists jobs the agent still runs (after a reconnect). */
    record Hello(String agentId, String name, Map<String, List<String>> labels, int capacity, String version,
                 List<RunningJob> running) implements AgentMessage {}

    /** A job the agent is still running, with the highest log chunk seq the server acked. */
    record RunningJob(String jobId, int attempt, long lastAckedSeq) {}

    /** {@code draining}: the agent is shutting down and takes no new jobs. */
    record Heartbeat(double load, long memoryUsedBytes, long memoryTotalBytes, int active, boolean draining)
            implements AgentMessage {}

    /** {@code commit}: the commit checked out for the job (its full hash), null without a repository; left out then. */
    record JobStarted(String jobId, int attempt, long pid, long timestampNs, String commit) implements AgentMessage {
        public JobStarted(String jobId, int attempt, long pid, long timestampNs) {
            this(jobId, attempt, pid, timestampNs, null);
        }
    }

    /** A chunk of log lines; {@code seq} numbers the chunks of one attempt from 1 without gaps. */
    record Log(String jobId, int attempt, long seq, List<LogLine> lines) implements AgentMessage {}

    /** A custom event the job wrote to {@code $KILN_EVENTS}: the JSON object as written. */
    record JobEvent(String jobId, int attempt, String kind, Map<String, Object> data, long timestampNs)
            implements AgentMessage {}

    /** A {@code key=value} line the job wrote to {@code $KILN_OUTPUT}. */
    record JobOutput(String jobId, int attempt, String key, String value) implements AgentMessage {}

    /**
     * The service's {@code ready_when} held ({@code how}: what held, e.g. "port 8080 accepts connections"). Sent once
     * per attempt, and only for an assignment that asked for it, so a server older than this message never gets one.
     */
    record JobReady(String jobId, int attempt, String how, long timestampNs) implements AgentMessage {}

    /**
     * The job's process ended. {@code lastSeq} is the seq of its final log chunk, so the server can record the
     * final status only once every chunk is stored.
     */
    record JobFinished(String jobId, int attempt, Integer exitCode, Integer signal, FinishReason reason,
                       String error, long lastSeq, long timestampNs) implements AgentMessage {}

    /** Why a job's process ended. */
    enum FinishReason { EXITED, CANCELLED, TIMED_OUT, FAILED_TO_START }
}
