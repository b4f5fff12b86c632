package dev.kiln.server.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What was submitted: the job's configuration, immutable. A re-run copies it. {@code secrets} never leave the
 * server in clear: {@link #snapshot()} is what the API shows.
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
        List<NotifyTarget> notifyTargets,
        ApplySpec apply,
        String applies,
        List<FileRef> inputs) {

    public static final String AUTO = "auto";

    /** Without notification targets (the arity before {@code notifyTargets}). */
    public JobSpec(String name, String type, String command, String sourceRepository, String branch, String commitHash,
                   String targetArchitecture, String serverId, Map<String, String> labels, Map<String, String> env,
                   Map<String, String> secrets, int priority, long timeoutSeconds, int cancelGraceSeconds,
                   RetryPolicy retry, List<String> artifacts, boolean service) {
        this(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId, labels, env,
                secrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, List.of());
    }

    public JobSpec {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        env = env == null ? Map.of() : Map.copyOf(env);
        secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        notifyTargets = notifyTargets == null ? List.of() : List.copyOf(notifyTargets);
        retry = retry == null ? RetryPolicy.NONE : retry;
        serverId = serverId == null || serverId.isBlank() ? AUTO : serverId;
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    /**
     * Without the follow-up fields: {@code apply} (what applying this job means), {@code applies} (the job this one
     * applies, set only by the apply endpoint) and {@code inputs} (files placed in the workspace before the command).
     */
    public JobSpec(String name, String type, String command, String sourceRepository, String branch, String commitHash,
                   String targetArchitecture, String serverId, Map<String, String> labels, Map<String, String> env,
                   Map<String, String> secrets, int priority, long timeoutSeconds, int cancelGraceSeconds,
                   RetryPolicy retry, List<String> artifacts, boolean service, List<NotifyTarget> notifyTargets) {
        this(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId, labels, env,
                secrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, notifyTargets, null, null,
                null);
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
        return new JobSpec(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId,
                labels, env, masked, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, notifyTargets,
                apply, applies, inputs);
    }

    public JobSpec withSecrets(Map<String, String> realSecrets) {
        return new JobSpec(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId,
                labels, env, realSecrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, notifyTargets,
                apply, applies, inputs);
    }

    /** The same spec with these input files (uploaded with the submit). */
    public JobSpec withInputs(List<FileRef> files) {
        return new JobSpec(name, type, command, sourceRepository, branch, commitHash, targetArchitecture, serverId,
                labels, env, secrets, priority, timeoutSeconds, cancelGraceSeconds, retry, artifacts, service, notifyTargets,
                apply, applies, files);
    }
}
