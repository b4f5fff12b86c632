package dev.kiln.server.jobs;

import dev.kiln.server.core.ValidationException;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.ApplySpec;
import dev.kiln.server.core.NotifyTarget;
import dev.kiln.server.core.ReadyWhen;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
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

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,63}");
    private static final Pattern NAME_LIKE = Pattern.compile("[^\\p{Cntrl}]{1,200}");
    private static final Pattern BRANCH = Pattern.compile("[^\\s~^:?*\\[\\\\\\p{Cntrl}]{1,255}");
    private static final Pattern COMMIT = Pattern.compile("HEAD|[0-9a-fA-F]{4,64}");
    private static final Pattern ARCH = Pattern.compile("[a-z0-9_\\-]{1,32}");

    private static final Set<String> FIELDS = Set.of("name", "type", "command", "source_repository", "branch",
            "commit_hash", "target_architecture", "server_id", "labels", "env", "secrets", "priority",
            "timeout_seconds", "cancel_grace_seconds", "retry", "artifacts", "service", "restart", "ready_when",
            "notify", "apply");
    public static final int MAX_NOTIFY_TARGETS = 10;

    private static final Set<String> APPLY_FIELDS = Set.of("command", "type", "labels");

    private static final Set<String> RETRY_FIELDS = Set.of("limit", "on", "backoff_seconds");
    private static final Set<String> RESTART_FIELDS = Set.of("policy", "limit", "backoff_seconds");
    /** A service that says {@code on_failure} without a limit restarts this many times. */
    public static final int DEFAULT_RESTART_LIMIT = 3;

    private final List<ValidationException.FieldError> errors = new ArrayList<>();

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
            if (!FIELDS.contains(f)) error(f, "unknown field; known fields are " + String.join(", ", FIELDS.stream().sorted().toList()));
        });

        String command = string(obj, "command", MAX_COMMAND_BYTES, null);
        boolean hasRepo = obj.hasNonNull("source_repository");
        if (!obj.has("command") && !hasRepo) {
            error("command", "is required unless source_repository is given: the shell script to run, e.g. \"make -j4\"");
        } else if (obj.get("command") == null || obj.get("command").isNull()) {
            // with a repository, no command means the repository's own build definition
            if (!hasRepo) error("command", "must not be null: give the shell script to run, e.g. \"make -j4\"");
        } else if (command != null && command.isBlank()) error("command", "must not be blank");
        else if (command != null && command.indexOf('\0') >= 0) error("command", "must not contain NUL characters");
        else if (command != null && command.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_COMMAND_BYTES) {
            error("command", "is too long (more than " + MAX_COMMAND_BYTES + " bytes of UTF-8); put a long script in the repository");
        }

        String name = string(obj, "name", 200, NAME_LIKE);
        String type = string(obj, "type", 64, LABEL_KEY);
        String repo = string(obj, "source_repository", 2048, null);
        if (repo != null && (repo.isBlank() || repo.startsWith("-") || repo.chars().anyMatch(Character::isISOControl))) {
            error("source_repository", "must be a git URL or path (file://, https://, ssh:// or an absolute path)");
        }
        String branch = string(obj, "branch", 255, BRANCH);
        if (branch != null && (branch.startsWith("-") || branch.contains(".."))) error("branch", "is not a valid git branch name");
        String commit = string(obj, "commit_hash", 64, COMMIT);
        String arch = string(obj, "target_architecture", 32, ARCH);
        String serverId = string(obj, "server_id", 200, NAME_LIKE);
        Map<String, String> labels = map(obj, "labels", LABEL_KEY, 256);
        Map<String, String> env = map(obj, "env", ENV_NAME, MAX_VALUE_CHARS);
        Map<String, String> secrets = map(obj, "secrets", ENV_NAME, MAX_VALUE_CHARS);
        if (env != null && secrets != null) {
            for (var k : secrets.keySet()) if (env.containsKey(k)) error("secrets." + k, "is also set in env; set it in one place");
        }
        if (secrets != null) {
            for (var e : secrets.entrySet()) if (e.getValue().isEmpty()) error("secrets." + e.getKey(), "must not be empty");
        }
        if ((branch != null || commit != null) && repo == null) {
            error(branch != null ? "branch" : "commit_hash", "needs source_repository");
        }
        long priority = integer(obj, "priority", -MAX_PRIORITY, MAX_PRIORITY, 0);
        refuseNull(obj, "timeout_seconds", "leave it out for the default of " + DEFAULT_TIMEOUT_SECONDS + ", or 0 for no timeout");
        refuseNull(obj, "cancel_grace_seconds", "leave it out for the default of " + DEFAULT_GRACE_SECONDS + " seconds");
        boolean service = bool(obj, "service");
        // a service runs until stopped: no timeout unless it asks for one
        long timeout = integer(obj, "timeout_seconds", 0, MAX_TIMEOUT_SECONDS, service ? 0 : DEFAULT_TIMEOUT_SECONDS);
        long grace = integer(obj, "cancel_grace_seconds", 0, MAX_GRACE_SECONDS, DEFAULT_GRACE_SECONDS);
        RetryPolicy retry = retry(obj.get("retry"));
        List<String> artifacts = stringList(obj, "artifacts", 100, 1024);
        ApplySpec apply = apply(obj.get("apply"));
        List<NotifyTarget> notify = notify(obj.get("notify"));
        ReadyWhen readyWhen = null;
        if (service) {
            if (obj.hasNonNull("retry")) error("retry", "is for jobs; a service restarts by \"restart\": {\"policy\": \"on_failure\", \"limit\": 3, \"backoff_seconds\": 5}");
            retry = restart(obj.get("restart"));
            readyWhen = readyWhen(obj.get("ready_when"));
        } else {
            for (String f : List.of("restart", "ready_when")) {
                if (obj.hasNonNull(f)) error(f, "is for services only: add \"service\": true, or leave it out");
            }
        }

        if (!errors.isEmpty()) throw new ValidationException(errors);
        String kind = type != null ? type : service ? "service" : "build";
        return new JobSpec(name != null ? name : defaultName(command, repo), kind, command, repo,
                branch, commit, arch, serverId, labels, env, secrets, (int) priority, timeout, (int) grace, retry,
                artifacts, service, readyWhen, notify, apply, null, null);
    }

    /** {@code apply}: what applying this job once it succeeded runs (POST /api/v1/jobs/{id}/apply). */
    private ApplySpec apply(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) {
            error("apply", "must be an object like {\"command\": \"terraform apply plan.tfplan\", \"type\": \"deploy\", \"labels\": {}}");
            return null;
        }
        var obj = (ObjectNode) n;
        obj.fieldNames().forEachRemaining(f -> {
            if (!APPLY_FIELDS.contains(f)) error("apply." + f, "unknown field; use command, type and labels");
        });
        JsonNode commandNode = obj.get("command");
        String command = null;
        if (commandNode == null || commandNode.isNull()) error("apply.command", "is required: the shell script applying runs");
        else if (!commandNode.isTextual() || commandNode.textValue().isBlank() || commandNode.textValue().indexOf('\0') >= 0
                || commandNode.textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_COMMAND_BYTES) {
            error("apply.command", "must be a non-blank string of at most " + MAX_COMMAND_BYTES + " bytes without NUL");
        } else command = commandNode.textValue();
        String type = nested(() -> string(obj, "type", 64, LABEL_KEY), "apply.");
        Map<String, String> labels = nested(() -> map(obj, "labels", LABEL_KEY, 256), "apply.");
        return command == null ? null : new ApplySpec(command, type, labels);
    }

    /** Runs a field check of a nested object, its errors' fields prefixed (e.g. {@code apply.type}). */
    private <T> T nested(java.util.function.Supplier<T> check, String prefix) {
        int before = errors.size();
        T value = check.get();
        for (int i = before; i < errors.size(); i++) {
            var e = errors.get(i);
            errors.set(i, new ValidationException.FieldError(prefix + e.field(), e.message()));
        }
        return value;
    }

    /** {@code notify: [{"url": …, "on": ["job.failed", …]}]}: where this job's own notifications go. */
    private List<NotifyTarget> notify(JsonNode n) {
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) {
            error("notify", "must be a list of {\"url\": …, \"on\": [events]}, not " + describe(n));
            return List.of();
        }
        if (n.size() > MAX_NOTIFY_TARGETS) {
            error("notify", "has " + n.size() + " targets, at most " + MAX_NOTIFY_TARGETS);
            return List.of();
        }
        var out = new ArrayList<NotifyTarget>();
        for (int i = 0; i < n.size(); i++) {
            String at = "notify[" + i + "]";
            JsonNode t = n.get(i);
            if (!t.isObject()) {
                error(at, "must be an object {\"url\": …, \"on\": [events]}, not " + describe(t));
                continue;
            }
            t.fieldNames().forEachRemaining(f -> {
                if (!f.equals("url") && !f.equals("on")) error(at + "." + f, "unknown field; known fields are on, url");
            });
            JsonNode url = t.get("url");
            String urlProblem = NotifyTarget.urlProblem(url != null && url.isTextual() ? url.textValue() : null);
            if (urlProblem != null) error(at + ".url", urlProblem);
            JsonNode on = t.get("on");
            var events = new ArrayList<String>();
            if (on == null || !on.isArray() || on.isEmpty()) {
                error(at + ".on", "must be a non-empty list of events: " + String.join(", ", NotifyTarget.EVENTS));
            } else {
                for (int k = 0; k < on.size(); k++) {
                    String event = on.get(k).isTextual() ? on.get(k).textValue() : describe(on.get(k));
                    String problem = NotifyTarget.eventProblem(event);
                    if (problem != null) error(at + ".on[" + k + "]", problem);
                    else if (!events.contains(event)) events.add(event);
                }
            }
            if (urlProblem == null && !events.isEmpty()) out.add(new NotifyTarget(url.textValue(), events));
        }
        return out;
    }

    private static String defaultName(String command, String repo) {
        String firstLine = command != null ? command.strip().lines().findFirst().orElse("job") : "build " + repo;
        return firstLine.length() > 80 ? firstLine.substring(0, 77) + "..." : firstLine;
    }

    private void refuseNull(ObjectNode obj, String field, String hint) {
        refuseNull(obj, field, field, hint);
    }

    private void refuseNull(ObjectNode obj, String key, String field, String hint) {
        if (obj.has(key) && obj.get(key).isNull()) error(field, "must not be null: " + hint);
    }

    private void error(String field, String message) {
        errors.add(new ValidationException.FieldError(field, message));
    }

    private String string(ObjectNode obj, String field, int maxChars, Pattern pattern) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) {
            error(field, "must be a string, not " + describe(n));
            return null;
        }
        String s = n.textValue();
        if (hasUnpairedSurrogate(s)) {
            error(field, "contains invalid unicode (an unpaired surrogate); send valid UTF-8 text");
            return null;
        }
        if (s.length() > maxChars) {
            error(field, "is too long (" + s.length() + " characters, at most " + maxChars + ")");
            return null;
        }
        if (pattern != null && !pattern.matcher(s).matches()) {
            error(field, "has an invalid value " + quote(s) + expected(field));
            return null;
        }
        return s;
    }

    private static String expected(String field) {
        return switch (field) {
            case "commit_hash" -> ": use a hex commit id (4 to 64 characters) or HEAD";
            case "target_architecture" -> ": use lowercase letters, digits, '-' or '_', e.g. x86_64 or arm64";
            case "type" -> ": use letters, digits, '.', '-', '_' or '/', e.g. build or deploy";
            default -> "";
        };
    }

    private long integer(ObjectNode obj, String field, long min, long max, long dflt) {
        return integer(obj, field, field, min, max, dflt);
    }

    private long integer(ObjectNode obj, String key, String field, long min, long max, long dflt) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            error(field, "must be a whole number between " + min + " and " + max + ", not " + describe(n));
            return dflt;
        }
        long v = n.longValue();
        if (v < min || v > max) {
            error(field, "must be between " + min + " and " + max + " (got " + n.asText() + ")");
            return dflt;
        }
        return v;
    }

    private boolean bool(ObjectNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) {
            error(field, "must be true or false, not " + describe(n));
            return false;
        }
        return n.booleanValue();
    }

    private Map<String, String> map(ObjectNode obj, String field, Pattern keyPattern, int maxValueChars) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) {
            error(field, "must be an object of string values, e.g. {\"KEY\": \"value\"}, not " + describe(n));
            return null;
        }
        if (n.size() > MAX_MAP_ENTRIES) {
            error(field, "has " + n.size() + " entries, at most " + MAX_MAP_ENTRIES);
            return null;
        }
        var out = new LinkedHashMap<String, String>();
        n.fields().forEachRemaining(e -> {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (!keyPattern.matcher(key).matches()) {
                error(field + "." + key, "is not a valid key" + (keyPattern == ENV_NAME
                        ? ": use letters, digits and '_', not starting with a digit" : ""));
            } else if (v.isTextual() || v.isNumber() || v.isBoolean()) {
                String s = v.asText();
                if (hasUnpairedSurrogate(s) || hasUnpairedSurrogate(key)) error(field + "." + key, "contains invalid unicode (an unpaired surrogate)");
                else if (s.length() > maxValueChars) error(field + "." + key, "is too long (at most " + maxValueChars + " characters)");
                else if (s.indexOf('\0') >= 0) error(field + "." + key, "must not contain NUL characters");
                else out.put(key, s);
            } else {
                error(field + "." + key, "must be a string, not " + describe(v));
            }
        });
        return out;
    }

    private List<String> stringList(ObjectNode obj, String field, int maxItems, int maxChars) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isArray()) {
            error(field, "must be a list of strings, not " + describe(n));
            return null;
        }
        if (n.size() > maxItems) {
            error(field, "has " + n.size() + " items, at most " + maxItems);
            return null;
        }
        var out = new ArrayList<String>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode v = n.get(i);
            if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > maxChars
                    || v.textValue().chars().anyMatch(Character::isISOControl) || hasUnpairedSurrogate(v.textValue())) {
                error(field + "[" + i + "]", "must be a non-empty string of at most " + maxChars
                        + " characters, without control characters or invalid unicode, not " + describe(v));
            } else {
                out.add(v.textValue());
            }
        }
        return out;
    }

    private RetryPolicy retry(JsonNode n) {
        if (n == null || n.isNull()) return RetryPolicy.NONE;
        if (!n.isObject()) {
            error("retry", "must be an object like {\"limit\": 2, \"on\": [\"failure\", \"timeout\", \"agent_lost\"], \"backoff_seconds\": 5}");
            return RetryPolicy.NONE;
        }
        n.fieldNames().forEachRemaining(f -> {
            if (!RETRY_FIELDS.contains(f)) error("retry." + f, "unknown field; use limit, on and backoff_seconds");
        });
        long limit = integer((ObjectNode) n, "limit", "retry.limit", 0, MAX_RETRY_LIMIT, 0);
        refuseNull((ObjectNode) n, "backoff_seconds", "retry.backoff_seconds", "leave it out for the default of "
                + RetryPolicy.DEFAULT_BACKOFF_SECONDS + " seconds, or 0 to retry at once");
        long backoff = integer((ObjectNode) n, "backoff_seconds", "retry.backoff_seconds", 0,
                RetryPolicy.MAX_BACKOFF_SECONDS, RetryPolicy.DEFAULT_BACKOFF_SECONDS);
        JsonNode on = n.get("on");
        Set<Integer> codes = new HashSet<>();
        boolean any = false, timeout = false, lost = false;
        if (on == null || on.isNull()) {
            any = true;
            timeout = true;
            lost = true;
        } else if (!on.isArray()) {
            error("retry.on", "must be a list of conditions: exit codes (1-255), \"failure\", \"timeout\", \"agent_lost\"");
        } else {
            for (int i = 0; i < on.size(); i++) {
                JsonNode c = on.get(i);
                if (c.isIntegralNumber() && c.asLong() >= 1 && c.asLong() <= 255) codes.add(c.asInt());
                else if (c.isTextual() && c.textValue().equals("failure")) any = true;
                else if (c.isTextual() && c.textValue().equals("timeout")) timeout = true;
                else if (c.isTextual() && c.textValue().equals("agent_lost")) lost = true;
                else error("retry.on[" + i + "]", "must be an exit code 1-255, \"failure\", \"timeout\" or \"agent_lost\", not " + describe(c));
            }
        }
        return new RetryPolicy((int) limit, codes, any, timeout, lost, (int) backoff);
    }

    /** A service's {@code restart}: never (the default), or on_failure with a limit and a backoff, as a retry policy. */
    private RetryPolicy restart(JsonNode n) {
        String usage = "must be an object like {\"policy\": \"on_failure\", \"limit\": 3, \"backoff_seconds\": 5} or {\"policy\": \"never\"}";
        if (n == null || n.isNull()) return RetryPolicy.NONE;
        if (!n.isObject()) {
            error("restart", usage);
            return RetryPolicy.NONE;
        }
        var obj = (ObjectNode) n;
        obj.fieldNames().forEachRemaining(f -> {
            if (!RESTART_FIELDS.contains(f)) error("restart." + f, "unknown field; use policy, limit and backoff_seconds");
        });
        JsonNode policy = obj.get("policy");
        boolean onFailure = policy != null && policy.isTextual() && policy.textValue().equals("on_failure");
        boolean never = policy == null || policy.isNull() || policy.isTextual() && policy.textValue().equals("never");
        if (!onFailure && !never) {
            error("restart.policy", "must be \"never\" or \"on_failure\", not " + describe(policy));
        }
        refuseNull(obj, "backoff_seconds", "restart.backoff_seconds", "leave it out for the default of "
                + RetryPolicy.DEFAULT_BACKOFF_SECONDS + " seconds, or 0 to restart at once");
        long limit = integer(obj, "limit", "restart.limit", onFailure ? 1 : 0, MAX_RETRY_LIMIT, DEFAULT_RESTART_LIMIT);
        long backoff = integer(obj, "backoff_seconds", "restart.backoff_seconds", 0, RetryPolicy.MAX_BACKOFF_SECONDS,
                RetryPolicy.DEFAULT_BACKOFF_SECONDS);
        if (never && (obj.has("limit") || obj.has("backoff_seconds"))) {
            error("restart.policy", "is \"never\", so limit and backoff_seconds mean nothing; use \"on_failure\"");
        }
        return onFailure ? RetryPolicy.restartOnFailure((int) limit, (int) backoff) : RetryPolicy.NONE;
    }

    /** A service's {@code ready_when}: {"log": regex} or {"tcp_port": 1-65535}, exactly one. */
    private ReadyWhen readyWhen(JsonNode n) {
        String usage = "must be {\"log\": \"a regex a line of output matches\"} or {\"tcp_port\": 8080}";
        if (n == null || n.isNull()) return null;
        if (!n.isObject() || n.size() != 1 || !(n.has("log") || n.has("tcp_port"))) {
            error("ready_when", usage);
            return null;
        }
        if (n.has("tcp_port")) {
            long port = integer((ObjectNode) n, "tcp_port", "ready_when.tcp_port", 1, 65535, 0);
            return port > 0 ? ReadyWhen.tcpPort((int) port) : null;
        }
        JsonNode log = n.get("log");
        if (!log.isTextual() || log.textValue().isEmpty() || log.textValue().length() > 1024) {
            error("ready_when.log", "must be a regular expression of 1 to 1024 characters, not " + describe(log));
            return null;
        }
        String regex = log.textValue();
        try {
            java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            error("ready_when.log", "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            return null;
        }
        return ReadyWhen.logMatches(regex);
    }

    static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return true;
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    static String describe(JsonNode n) {
        if (n.isTextual()) return "the string " + quote(n.textValue());
        if (n.isNumber()) return "the number " + n.asText();
        if (n.isBoolean()) return n.asText();
        if (n.isArray()) return "a list";
        if (n.isObject()) return "an object";
        return n.getNodeType().name().toLowerCase();
    }

    private static String quote(String s) {
        String shown = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
