package dev.kiln.server.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What was submitted: the job's configuration, immutable. A re-run copies it. {@code secrets} never leave the
 * server in clear: {@link #snapshot()} is what the API shows.
 *
 * <p>After {@code service} come the follow-up fields: {@code readyWhen} (when a service counts as ready),
 * {@code notifyTargets} (the job's own webhooks), {@code apply} (what applying this job means), {@code applies} (the
 * job this one applies, set only by the apply endpoint) and {@code inputs} (files placed in the workspace before the
 * command). The constructor of the first seventeen fields leaves them all out.
 */
public record JobSpec(
        String name,
        String type,
        String command,
        String sourceRepository,
        String branch,
        String commitHash,
        String targetArchitecture,
        String serverId,
        Map<String, String> labels,
        Map<String, String> env,
        Map<String, String> secrets,
        int priority,
        long timeoutSeconds,
        int cancelGraceSeconds,
        RetryPolicy retry,
        List<String> artifacts,
        boolean service,
        ReadyWhen readyWhen,
        List<NotifyTarget> notifyTargets,
        ApplySpec apply,
        String applies,
        List<FileRef> inputs) {

    public static final String AUTO = "auto";

    /** Without the follow-up fields. */
    public JobSpec(String name, String type, String command, String sourceRepository, String branch, String commitHash,
                   String targetArchitecture, String serverId, Map<String, String> labels, Map<String, String> env,
                   Map<String, String> secrets, int priority, long timeoutSeconds, int cancelGraceSeconds,
                   RetryPolicy retry, List<String> artifacts, boolean service) {
        this(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId, labels, env,
                secrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, null, List.of(), null,
                null, null);
    }

    public JobSpec {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        env = env == null ? Map.of() : Map.copyOf(env);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        notifyTargets = notifyTargets == null ? List.of() : List.copyOf(notifyTargets);
        retry = retry == null ? RetryPolicy.NONE : retry;
        serverId = serverId == null || serverId.isBlank() ? AUTO : serverId;
        if (readyWhen != null && !service) throw new IllegalArgumentException("ready_when is for services only");
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    /** Label requirements an agent must satisfy: the explicit labels plus {@code arch} from target_architecture. */
    public Map<String, String> requirements() {
        if (targetArchitecture == null) return labels;
        var all = new TreeMap<>(labels);
        all.put("arch", targetArchitecture);
        return all;
    }

    /** The agent this job is pinned to, or null for any matching agent. */
    public String pinnedAgent() {
        return AUTO.equals(serverId) ? null : serverId;
    }

    /** The spec as the API shows it: secrets masked. */
    public JobSpec snapshot() {
        if (secrets.isEmpty()) return this;
        var masked = new TreeMap<String, String>();
        secrets.keySet().forEach(k -> masked.put(k, "***"));
        return withSecrets(masked);
    }

    public JobSpec withSecrets(Map<String, String> realSecrets) {
        return new JobSpec(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId,
                labels, env, realSecrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, readyWhen,
                notifyTargets, apply, applies, inputs);
    }

    /** The same spec with these input files (uploaded with the submit). */
    public JobSpec withInputs(List<FileRef> files) {
        return new JobSpec(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId,
                labels, env, secrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, readyWhen,
                notifyTargets, apply, applies, files);
    }

    /**
     * This job under another name, running another command with another env, every other field kept (a graph job made
     * from its definition's template).
     */
    public JobSpec running(String newName, String newCommand, Map<String, String> newEnv) {
        return new JobSpec(newName, type, newCommand, sourceRepository, branch, commitHash, targetArchitecture, serverId,
                labels, newEnv, secrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, readyWhen,
                notifyTargets, apply, applies, inputs);
    }
}
