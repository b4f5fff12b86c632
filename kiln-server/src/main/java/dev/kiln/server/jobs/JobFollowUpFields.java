package dev.kiln.server.jobs;

import static dev.kiln.server.jobs.FieldReader.LABEL_KEY;
import static dev.kiln.server.jobs.FieldReader.describe;
import static dev.kiln.server.jobs.JobSpecParser.DEFAULT_RESTART_LIMIT;
import static dev.kiln.server.jobs.JobSpecParser.MAX_COMMAND_BYTES;
import static dev.kiln.server.jobs.JobSpecParser.MAX_NOTIFY_TARGETS;
import static dev.kiln.server.jobs.JobSpecParser.MAX_RETRY_LIMIT;

import dev.kiln.server.core.ApplySpec;
import dev.kiln.server.core.NotifyTarget;
import dev.kiln.server.core.ReadyWhen;
import dev.kiln.server.core.RetryPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The job fields that are nested objects with their own checks: {@code retry}, a service's {@code restart} and
 * {@code ready_when}, {@code notify} and {@code apply}. Their problems go into the same {@link FieldReader} error
 * list as the core fields', with the field path (e.g. {@code retry.on[0]}) as the error's field.
 */
final class JobFollowUpFields {
    private static final Set<String> APPLY_FIELDS = Set.of("command", "type", "labels");
    private static final Set<String> RETRY_FIELDS = Set.of("limit", "on", "backoff_seconds");
    private static final Set<String> RESTART_FIELDS = Set.of("policy", "limit", "backoff_seconds");

    private final FieldReader in;

    JobFollowUpFields(FieldReader in) {
        this.in = in;
    }

    /** {@code apply}: what applying this job once it succeeded runs (POST /api/v1/jobs/{id}/apply). */
    ApplySpec apply(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) {
            in.error("apply", "must be an object like {\"command\": \"terraform apply plan.tfplan\", \"type\": \"deploy\", \"labels\": {}}");
            return null;
        }
        var obj = (ObjectNode) n;
        obj.fieldNames().forEachRemaining(f -> {
            if (!APPLY_FIELDS.contains(f)) in.error("apply." + f, "unknown field; use command, type and labels");
        });
        JsonNode commandNode = obj.get("command");
        String command = null;
        if (commandNode == null || commandNode.isNull()) in.error("apply.command", "is required: the shell script applying runs");
        else if (!commandNode.isTextual() || commandNode.textValue().isBlank() || commandNode.textValue().indexOf('\0') >= 0
                || commandNode.textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_COMMAND_BYTES) {
            in.error("apply.command", "must be a non-blank string of at most " + MAX_COMMAND_BYTES + " bytes without NUL");
        } else command = commandNode.textValue();
        String type = in.nested(() -> in.string(obj, "type", 64, LABEL_KEY), "apply.");
        Map<String, String> labels = in.nested(() -> in.map(obj, "labels", LABEL_KEY, 256), "apply.");
        return command == null ? null : new ApplySpec(command, type, labels);
    }

    /** {@code notify: [{"url": …, "on": ["job.failed", …]}]}: where this job's own notifications go. */
    List<NotifyTarget> notify(JsonNode n) {
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) {
            in.error("notify", "must be a list of {\"url\": …, \"on\": [events]}, not " + describe(n));
            return List.of();
        }
        if (n.size() > MAX_NOTIFY_TARGETS) {
            in.error("notify", "has " + n.size() + " targets, at most " + MAX_NOTIFY_TARGETS);
            return List.of();
        }
        var out = new ArrayList<NotifyTarget>();
        for (int i = 0; i < n.size(); i++) {
            String at = "notify[" + i + "]";
            JsonNode t = n.get(i);
            if (!t.isObject()) {
                in.error(at, "must be an object {\"url\": …, \"on\": [events]}, not " + describe(t));
                continue;
            }
            t.fieldNames().forEachRemaining(f -> {
                if (!f.equals("url") && !f.equals("on")) in.error(at + "." + f, "unknown field; known fields are on, url");
            });
            JsonNode url = t.get("url");
            String urlProblem = NotifyTarget.urlProblem(url != null && url.isTextual() ? url.textValue() : null);
            if (urlProblem != null) in.error(at + ".url", urlProblem);
            JsonNode on = t.get("on");
            var events = new ArrayList<String>();
            if (on == null || !on.isArray() || on.isEmpty()) {
                in.error(at + ".on", "must be a non-empty list of events: " + String.join(", ", NotifyTarget.EVENTS));
            } else {
                for (int k = 0; k < on.size(); k++) {
                    String event = on.get(k).isTextual() ? on.get(k).textValue() : describe(on.get(k));
                    String problem = NotifyTarget.eventProblem(event);
                    if (problem != null) in.error(at + ".on[" + k + "]", problem);
                    else if (!events.contains(event)) events.add(event);
                }
            }
            if (urlProblem == null && !events.isEmpty()) out.add(new NotifyTarget(url.textValue(), events));
        }
        return out;
    }

    RetryPolicy retry(JsonNode n) {
        if (n == null || n.isNull()) return RetryPolicy.NONE;
        if (!n.isObject()) {
            in.error("retry", "must be an object like {\"limit\": 2, \"on\": [\"failure\", \"timeout\", \"agent_lost\"], \"backoff_seconds\": 5}");
            return RetryPolicy.NONE;
        }
        n.fieldNames().forEachRemaining(f -> {
            if (!RETRY_FIELDS.contains(f)) in.error("retry." + f, "unknown field; use limit, on and backoff_seconds");
        });
        long limit = in.integer((ObjectNode) n, "limit", "retry.limit", 0, MAX_RETRY_LIMIT, 0);
        in.refuseNull((ObjectNode) n, "backoff_seconds", "retry.backoff_seconds", "leave it out for the default of "
                + RetryPolicy.DEFAULT_BACKOFF_SECONDS + " seconds, or 0 to retry at once");
        long backoff = in.integer((ObjectNode) n, "backoff_seconds", "retry.backoff_seconds", 0,
                RetryPolicy.MAX_BACKOFF_SECONDS, RetryPolicy.DEFAULT_BACKOFF_SECONDS);
        JsonNode on = n.get("on");
        Set<Integer> codes = new HashSet<>();
        boolean any = false, timeout = false, lost = false;
        if (on == null || on.isNull()) {
            any = true;
            timeout = true;
            lost = true;
        } else if (!on.isArray()) {
            in.error("retry.on", "must be a list of conditions: exit codes (1-255), \"failure\", \"timeout\", \"agent_lost\"");
        } else {
            for (int i = 0; i < on.size(); i++) {
                JsonNode c = on.get(i);
                if (c.isIntegralNumber() && c.asLong() >= 1 && c.asLong() <= 255) codes.add(c.asInt());
                else if (c.isTextual() && c.textValue().equals("failure")) any = true;
                else if (c.isTextual() && c.textValue().equals("timeout")) timeout = true;
                else if (c.isTextual() && c.textValue().equals("agent_lost")) lost = true;
                else in.error("retry.on[" + i + "]", "must be an exit code 1-255, \"failure\", \"timeout\" or \"agent_lost\", not " + describe(c));
            }
        }
        return new RetryPolicy((int) limit, codes, any, timeout, lost, (int) backoff);
    }

    /** A service's {@code restart}: never (the default), or on_failure with a limit and a backoff, as a retry policy. */
    RetryPolicy restart(JsonNode n) {
        String usage = "must be an object like {\"policy\": \"on_failure\", \"limit\": 3, \"backoff_seconds\": 5} or {\"policy\": \"never\"}";
        if (n == null || n.isNull()) return RetryPolicy.NONE;
        if (!n.isObject()) {
            in.error("restart", usage);
            return RetryPolicy.NONE;
        }
        var obj = (ObjectNode) n;
        obj.fieldNames().forEachRemaining(f -> {
            if (!RESTART_FIELDS.contains(f)) in.error("restart." + f, "unknown field; use policy, limit and backoff_seconds");
        });
        JsonNode policy = obj.get("policy");
        boolean onFailure = policy != null && policy.isTextual() && policy.textValue().equals("on_failure");
        boolean never = policy == null || policy.isNull() || policy.isTextual() && policy.textValue().equals("never");
        if (!onFailure && !never) {
            in.error("restart.policy", "must be \"never\" or \"on_failure\", not " + describe(policy));
        }
        in.refuseNull(obj, "backoff_seconds", "restart.backoff_seconds", "leave it out for the default of "
                + RetryPolicy.DEFAULT_BACKOFF_SECONDS + " seconds, or 0 to restart at once");
        long limit = in.integer(obj, "limit", "restart.limit", onFailure ? 1 : 0, MAX_RETRY_LIMIT, DEFAULT_RESTART_LIMIT);
        long backoff = in.integer(obj, "backoff_seconds", "restart.backoff_seconds", 0, RetryPolicy.MAX_BACKOFF_SECONDS,
                RetryPolicy.DEFAULT_BACKOFF_SECONDS);
        if (never && (obj.has("limit") || obj.has("backoff_seconds"))) {
            in.error("restart.policy", "is \"never\", so limit and backoff_seconds mean nothing; use \"on_failure\"");
        }
        return onFailure ? RetryPolicy.restartOnFailure((int) limit, (int) backoff) : RetryPolicy.NONE;
    }

    /** A service's {@code ready_when}: {"log": regex} or {"tcp_port": 1-65535}, exactly one. */
    ReadyWhen readyWhen(JsonNode n) {
        String usage = "must be {\"log\": \"a regex a line of output matches\"} or {\"tcp_port\": 8080}";
        if (n == null || n.isNull()) return null;
        if (!n.isObject() || n.size() != 1 || !(n.has("log") || n.has("tcp_port"))) {
            in.error("ready_when", usage);
            return null;
        }
        if (n.has("tcp_port")) {
            long port = in.integer((ObjectNode) n, "tcp_port", "ready_when.tcp_port", 1, 65535, 0);
            return port > 0 ? ReadyWhen.tcpPort((int) port) : null;
        }
        JsonNode log = n.get("log");
        if (!log.isTextual() || log.textValue().isEmpty() || log.textValue().length() > 1024) {
            in.error("ready_when.log", "must be a regular expression of 1 to 1024 characters, not " + describe(log));
            return null;
        }
        String regex = log.textValue();
        try {
            java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            in.error("ready_when.log", "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            return null;
        }
        return ReadyWhen.logMatches(regex);
    }
}
