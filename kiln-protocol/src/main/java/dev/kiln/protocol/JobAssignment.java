package dev.kiln.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * <p>{@code inputs}: files to download into the workspace (after the checkout, before the command), each verified by
 * SHA-256. Left out on the wire when there are none, so an assignment without inputs reads exactly as before.
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
        ReadyWhen readyWhen,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<InputFile> inputs) {

    /** When a service is ready: a line of its output matches {@code log} (a regex), or {@code tcpPort} accepts connections. */
    public record ReadyWhen(String log, Integer tcpPort) {}

    /** A service's assignment, without input files. */
    public JobAssignment(String jobId, int attempt, String command, String sourceRepository, String branch,
                         String commitHash, Map<String, String> env, Map<String, String> secrets, long timeoutSeconds,
                         int cancelGraceSeconds, List<String> artifacts, ReadyWhen readyWhen) {
        this(jobId, attempt, command, sourceRepository, branch, commitHash, env, secrets, timeoutSeconds,
                cancelGraceSeconds, artifacts, readyWhen, List.of());
    }

    /** An assignment with input files, not a service. */
    public JobAssignment(String jobId, int attempt, String command, String sourceRepository, String branch,
                         String commitHash, Map<String, String> env, Map<String, String> secrets, long timeoutSeconds,
                         int cancelGraceSeconds, List<String> artifacts, List<InputFile> inputs) {
        this(jobId, attempt, command, sourceRepository, branch, commitHash, env, secrets, timeoutSeconds,
                cancelGraceSeconds, artifacts, null, inputs);
    }

    /** An assignment without readiness to watch or input files. */
    public JobAssignment(String jobId, int attempt, String command, String sourceRepository, String branch,
                         String commitHash, Map<String, String> env, Map<String, String> secrets, long timeoutSeconds,
                         int cancelGraceSeconds, List<String> artifacts) {
        this(jobId, attempt, command, sourceRepository, branch, commitHash, env, secrets, timeoutSeconds,
                cancelGraceSeconds, artifacts, null, List.of());
    }

    public JobAssignment {
        env = env == null ? Map.of() : Map.copyOf(env);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }
}
