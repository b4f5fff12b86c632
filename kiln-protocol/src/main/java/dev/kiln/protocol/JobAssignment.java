package dev.kiln.protocol;

import java.util.List;
import java.util.Map;

/**
 * Everything an agent needs to run one attempt of a job. {@code secrets} are set in the environment and masked
 * as {@code ***} in every log line. {@code timeoutSeconds} 0 means no timeout.
 *
 * <p>{@code command} null (left out on the wire) with a {@code sourceRepository}: run the repository's own build
 * definition, which the agent finds after checkout ({@code .kiln/build}, else the {@code build} job of its
 * {@code kiln.yaml}). An agent older than this rule reports such an assignment as failed to start ("no command to
 * run"), so the job fails with a reason instead of hanging.
 *
 * <p>{@code readyWhen} (left out on the wire when null): the job is a service that the agent watches until it is
 * ready, then reports {@link AgentMessage.JobReady} once. An older agent ignores the field; its services never say
 * they are ready and show as starting until stopped.
 */
public record JobAssignment(
        String jobId,
        int attempt,
        String command,
        String sourceRepository,
        String branch,
        String commitHash,
        Map<String, String> env,
        Map<String, String> secrets,
        long timeoutSeconds,
        int cancelGraceSeconds,
        List<String> artifacts,
        ReadyWhen readyWhen) {

    /** When a service is ready: a line of its output matches {@code log} (a regex), or {@code tcpPort} accepts connections. */
    public record ReadyWhen(String log, Integer tcpPort) {}

    /** An assignment without readiness to watch. */
    public JobAssignment(String jobId, int attempt, String command, String sourceRepository, String branch,
                         String commitHash, Map<String, String> env, Map<String, String> secrets, long timeoutSeconds,
                         int cancelGraceSeconds, List<String> artifacts) {
        this(jobId, attempt, command, sourceRepository, branch, commitHash, env, secrets, timeoutSeconds,
                cancelGraceSeconds, artifacts, null);
    }

    public JobAssignment {
        env = env == null ? Map.of() : Map.copyOf(env);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
    }
}
