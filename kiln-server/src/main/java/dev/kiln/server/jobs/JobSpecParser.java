package dev.kiln.server.jobs;

import static dev.kiln.server.jobs.FieldReader.ENV_NAME;
import static dev.kiln.server.jobs.FieldReader.LABEL_KEY;

import dev.kiln.server.core.ValidationException;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.ApplySpec;
import dev.kiln.server.core.NotifyTarget;
import dev.kiln.server.core.ReadyWhen;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a submitted JSON object into a {@link JobSpec}, strictly: every field has one type, a range and a message
 * that says what to fix. All problems are reported at once. Unknown fields are errors (a typo must not silently
 * drop a setting).
 *
 * <p>{@code command} is required, except with a {@code source_repository}: a job that names a repository and no
 * command (left out, or null) runs the repository's own build definition ({@code .kiln/build}, else the
 * {@code build} job of its {@code kiln.yaml}), which the agent finds after checkout. This is how seed 001's clients
 * submit builds. "Required" below means: without a repository.
 *
 * <p>JSON {@code null} is a value like any other: for {@code command} (required) it is an error naming the field.
 * For the optional strings, maps, lists, {@code priority}, {@code retry} and {@code service} it means "not given"
 * (the default), which is harmless. {@code timeout_seconds} and {@code cancel_grace_seconds} refuse it, since a
 * reader may take null for "no timeout" while the default is an hour; {@code retry.backoff_seconds} likewise (null
 * could read as "no backoff"). Inside maps and lists null is an error.
 *
 * <p>This class checks the core fields; the nested objects ({@code retry}, {@code restart}, {@code ready_when},
 * {@code notify}, {@code apply}) are checked by {@link JobFollowUpFields}, the generic field checks live in
 * {@link FieldReader}, and all three share its one error list.
 */
public final class JobSpecParser {
    public static final int MAX_COMMAND_BYTES = 256 * 1024;
    public static final int MAX_MAP_ENTRIES = 200;
    public static final int MAX_VALUE_CHARS = 32 * 1024;
    public static final int MAX_PRIORITY = 1000;
    public static final long MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
    public static final long DEFAULT_TIMEOUT_SECONDS = 3600;
    public static final int DEFAULT_GRACE_SECONDS = 10;
    public static final int MAX_GRACE_SECONDS = 600;
    public static final int MAX_RETRY_LIMIT = 10;

    private static final Pattern NAME_LIKE = Pattern.compile("[^\\p{Cntrl}]{1,200}");
    private static final Pattern BRANCH = Pattern.compile("[^\\s~^:?*\\[\\\\\\p{Cntrl}]{1,255}");
    private static final Pattern COMMIT = Pattern.compile("HEAD|[0-9a-fA-F]{4,64}");
    private static final Pattern ARCH = Pattern.compile("[a-z0-9_\\-]{1,32}");

    private static final Set<String> FIELDS = Set.of("name", "type", "command", "source_repository", "branch",
            "commit_hash", "target_architecture", "server_id", "labels", "env", "secrets", "priority",
            "timeout_seconds", "cancel_grace_seconds", "retry", "artifacts", "service", "restart", "ready_when",
            "notify", "apply");
    public static final int MAX_NOTIFY_TARGETS = 10;
    /** A service that says {@code on_failure} without a limit restarts this many times. */
    public static final int DEFAULT_RESTART_LIMIT = 3;

    private final FieldReader in = new FieldReader();
    private final JobFollowUpFields followUp = new JobFollowUpFields(in);

    private JobSpecParser() {}

    public static JobSpec parse(JsonNode body) {
        return new JobSpecParser().doParse(body);
    }

    private JobSpec doParse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("body", "must be a JSON object describing the job, e.g. {\"command\": \"make\"}");
        }
        var obj = (ObjectNode) body;
        obj.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) in.error(f, "unknown field; known fields are " + String.join(", ", FIELDS.stream().sorted().toList()));
        });

        String command = in.string(obj, "command", MAX_COMMAND_BYTES, null);
        boolean hasRepo = obj.hasNonNull("source_repository");
        if (!obj.has("command") && !hasRepo) {
            in.error("command", "is required unless source_repository is given: the shell script to run, e.g. \"make -j4\"");
        } else if (obj.get("command") == null || obj.get("command").isNull()) {
            // with a repository, no command means the repository's own build definition
            if (!hasRepo) in.error("command", "must not be null: give the shell script to run, e.g. \"make -j4\"");
        } else if (command != null && command.isBlank()) in.error("command", "must not be blank");
        else if (command != null && command.indexOf('\0') >= 0) in.error("command", "must not contain NUL characters");
        else if (command != null && command.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_COMMAND_BYTES) {
            in.error("command", "is too long (more than " + MAX_COMMAND_BYTES + " bytes of UTF-8); put a long script in the repository");
        }

        String name = in.string(obj, "name", 200, NAME_LIKE);
        String type = in.string(obj, "type", 64, LABEL_KEY);
        String repo = in.string(obj, "source_repository", 2048, null);
        if (repo != null && (repo.isBlank() || repo.startsWith("-") || repo.chars().anyMatch(Character::isISOControl))) {
            in.error("source_repository", "must be a git URL or path (file://, https://, ssh:// or an absolute path)");
        }
        String branch = in.string(obj, "branch", 255, BRANCH);
        if (branch != null && (branch.startsWith("-") || branch.contains(".."))) in.error("branch", "is not a valid git branch name");
        String commit = in.string(obj, "commit_hash", 64, COMMIT);
        String arch = in.string(obj, "target_architecture", 32, ARCH);
        String serverId = in.string(obj, "server_id", 200, NAME_LIKE);
        Map<String, String> labels = in.map(obj, "labels", LABEL_KEY, 256);
        Map<String, String> env = in.map(obj, "env", ENV_NAME, MAX_VALUE_CHARS);
        Map<String, String> secrets = in.map(obj, "secrets", ENV_NAME, MAX_VALUE_CHARS);
        if (env != null && secrets != null) {
            for (var k : secrets.keySet()) if (env.containsKey(k)) in.error("secrets." + k, "is also set in env; set it in one place");
        }
        if (secrets != null) {
            for (var e : secrets.entrySet()) if (e.getValue().isEmpty()) in.error("secrets." + e.getKey(), "must not be empty");
        }
        if ((branch != null || commit != null) && repo == null) {
            in.error(branch != null ? "branch" : "commit_hash", "needs source_repository");
        }
        long priority = in.integer(obj, "priority", -MAX_PRIORITY, MAX_PRIORITY, 0);
        in.refuseNull(obj, "timeout_seconds", "leave it out for the default of " + DEFAULT_TIMEOUT_SECONDS + ", or 0 for no timeout");
        in.refuseNull(obj, "cancel_grace_seconds", "leave it out for the default of " + DEFAULT_GRACE_SECONDS + " seconds");
        boolean service = in.bool(obj, "service");
        // a service runs until stopped: no timeout unless it asks for one
        long timeout = in.integer(obj, "timeout_seconds", 0, MAX_TIMEOUT_SECONDS, service ? 0 : DEFAULT_TIMEOUT_SECONDS);
        long grace = in.integer(obj, "cancel_grace_seconds", 0, MAX_GRACE_SECONDS, DEFAULT_GRACE_SECONDS);
        RetryPolicy retry = followUp.retry(obj.get("retry"));
        List<String> artifacts = in.stringList(obj, "artifacts", 100, 1024);
        ApplySpec apply = followUp.apply(obj.get("apply"));
        List<NotifyTarget> notify = followUp.notify(obj.get("notify"));
        ReadyWhen readyWhen = null;
        if (service) {
            if (obj.hasNonNull("retry")) in.error("retry", "is for jobs; a service restarts by \"restart\": {\"policy\": \"on_failure\", \"limit\": 3, \"backoff_seconds\": 5}");
            retry = followUp.restart(obj.get("restart"));
            readyWhen = followUp.readyWhen(obj.get("ready_when"));
        } else {
            for (String f : List.of("restart", "ready_when")) {
                if (obj.hasNonNull(f)) in.error(f, "is for services only: add \"service\": true, or leave it out");
            }
        }

        if (!in.errors.isEmpty()) throw new ValidationException(in.errors);
        String kind = type != null ? type : service ? "service" : "build";
        return new JobSpec(name != null ? name : defaultName(command, repo), kind, command, repo,
                branch, commit, arch, serverId, labels, env, secrets, (int) priority, timeout, (int) grace, retry,
                artifacts, service, readyWhen, notify, apply, null, null);
    }


    private static String defaultName(String command, String repo) {
        String firstLine = command != null ? command.strip().lines().findFirst().orElse("job") : "build " + repo;
        return firstLine.length() > 80 ? firstLine.substring(0, 77) + "..." : firstLine;
    }

    static boolean hasUnpairedSurrogate(String s) {
        return FieldReader.hasUnpairedSurrogate(s);
    }
}
