package dev.kiln.server.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.Json;
import dev.kiln.server.core.Job;
import dev.kiln.server.events.Event;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The bodies Kiln posts, made once when the delivery enters the outbox (so every retry sends the same bytes under the
 * same signature). {@code json}: the event with the job's essentials; {@code slack}: {@code {"text": …}}, which Slack's
 * incoming webhooks (and Mattermost's, Discord's /slack endpoint) accept as it is.
 */
final class Payloads {
    static final String JSON = "json";
    static final String SLACK = "slack";
    static final String TEST_EVENT = "notification.test";
    private static final ObjectMapper MAPPER = Json.newMapper();

    private final Supplier<String> baseUrl;

    /** {@code baseUrl}: the server's address, for links to the job page. */
    Payloads(Supplier<String> baseUrl) {
        this.baseUrl = baseUrl;
    }

    String forEvent(String format, String deliveryId, String name, Event event, Job job, Instant now) {
        if (SLACK.equals(format)) return toJson(Map.of("text", slackText(name, event, job)));
        var body = new LinkedHashMap<String, Object>();
        body.put("delivery_id", deliveryId);
        body.put("event", name);
        body.put("created_at", now.toString());
        body.put("event_id", event.id());
        if (job != null) body.put("job", job(job));
        if (!event.data().isEmpty()) body.put("data", event.data());
        return toJson(body);
    }

    String forTest(String format, String deliveryId, String subscriptionId, Instant now) {
        String text = "Test notification from Kiln (" + baseUrl.get() + "): this subscription works.";
        if (SLACK.equals(format)) return toJson(Map.of("text", text));
        var body = new LinkedHashMap<String, Object>();
        body.put("delivery_id", deliveryId);
        body.put("event", TEST_EVENT);
        body.put("created_at", now.toString());
        body.put("subscription_id", subscriptionId);
        body.put("text", text);
        return toJson(body);
    }

    private Map<String, Object> job(Job job) {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", job.id());
        m.put("name", job.spec().name());
        m.put("type", job.spec().type());
        m.put("status", job.status().wireName());
        m.put("attempt", job.attempt());
        if (job.exitCode() != null) m.put("exit_code", job.exitCode());
        if (job.error() != null) m.put("error", job.error());
        m.put("labels", job.spec().requirements());
        m.put("service", job.spec().service());
        if (job.startedAt() != null && job.finishedAt() != null) {
            m.put("duration_ms", java.time.Duration.between(job.startedAt(), job.finishedAt()).toMillis());
        }
        m.put("url", jobUrl(job));
        return m;
    }

    private String slackText(String name, Event event, Job job) {
        if (job == null) return "Kiln: " + name + " " + event.data();
        String what = switch (name) {
            case "job.succeeded" -> ":white_check_mark: Job *%s* succeeded";
            case "job.failed" -> ":x: Job *%s* failed";
            case "job.timed_out" -> ":hourglass: Job *%s* timed out";
            case "job.cancelled" -> ":no_entry_sign: Job *%s* was cancelled";
            case "service.failed" -> ":rotating_light: Service *%s* failed";
            default -> "Job *%s*: " + name;
        };
        String text = what.formatted(slackEscape(job.spec().name()));
        if (job.exitCode() != null && job.exitCode() != 0) text += " (exit " + job.exitCode() + ")";
        return text + " · <" + jobUrl(job) + "|" + job.id().substring(0, 8) + ">";
    }

    /** Slack's three control characters in message text. */
    private static String slackEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private String jobUrl(Job job) {
        return baseUrl.get() + "/jobs/" + job.id();
    }

    private static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
