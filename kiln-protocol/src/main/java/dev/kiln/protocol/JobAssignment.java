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
        List<String> artifacts) {

    public JobAssignment {
        env = env == null ? Map.of() : Map.copyOf(env);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
    }
}
