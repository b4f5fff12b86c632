package dev.kiln.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.core.NotifyTarget;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.store.NotificationSubscription.Filters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * What {@code POST /api/v1/notifications} asks for, checked strictly: every problem reported at once, unknown fields
 * refused (a misspelt filter must not silently widen a subscription to every job).
 */
public record SubscriptionRequest(String url, List<String> events, Filters filters, String format) {
    private static final Set<String> FIELDS = Set.of("url", "events", "filters", "format");
    private static final Set<String> FILTER_FIELDS = Set.of("type", "name", "labels");
    private static final int MAX_FILTER_CHARS = 200;

    public static SubscriptionRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ValidationException("body", "must be a JSON object, e.g. {\"url\": \"https://hooks.example.com/kiln\", "
                    + "\"events\": [\"job.failed\"]}");
        }
        var errors = new ArrayList<ValidationException.FieldError>();
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) errors.add(new ValidationException.FieldError(f, "unknown field; known fields are events, filters, format, url"));
        });
        JsonNode urlNode = body.get("url");
        String url = urlNode != null && urlNode.isTextual() ? urlNode.textValue() : null;
        String urlProblem = NotifyTarget.urlProblem(url);
        if (urlProblem != null) errors.add(new ValidationException.FieldError("url", urlProblem));

        var events = new ArrayList<String>();
        JsonNode ev = body.get("events");
        if (ev == null || !ev.isArray() || ev.isEmpty()) {
            errors.add(new ValidationException.FieldError("events", "must be a non-empty list of events: "
                    + String.join(", ", NotifyTarget.EVENTS)));
        } else {
            for (int i = 0; i < ev.size(); i++) {
                String name = ev.get(i).isTextual() ? ev.get(i).textValue() : ev.get(i).toString();
                String problem = NotifyTarget.eventProblem(name);
                if (problem != null) errors.add(new ValidationException.FieldError("events[" + i + "]", problem));
                else if (!events.contains(name)) events.add(name);
            }
        }

        JsonNode fmt = body.get("format");
        String format = fmt == null || fmt.isNull() ? Payloads.JSON : fmt.isTextual() ? fmt.textValue() : fmt.toString();
        if (!format.equals(Payloads.JSON) && !format.equals(Payloads.SLACK)) {
            errors.add(new ValidationException.FieldError("format", "must be json (Kiln's event body) or slack ({\"text\": …})"));
        }
        Filters filters = filters(body.get("filters"), errors);
        if (!errors.isEmpty()) throw new ValidationException(errors);
        return new SubscriptionRequest(url, events, filters, format);
    }

    private static Filters filters(JsonNode n, List<ValidationException.FieldError> errors) {
        if (n == null || n.isNull()) return Filters.NONE;
        if (!n.isObject()) {
            errors.add(new ValidationException.FieldError("filters", "must be an object with type, name and/or labels"));
            return Filters.NONE;
        }
        n.fieldNames().forEachRemaining(f -> {
            if (!FILTER_FIELDS.contains(f)) errors.add(new ValidationException.FieldError("filters." + f, "unknown filter; use type, name or labels"));
        });
        String type = text(n, "type", errors);
        String name = text(n, "name", errors);
        var labels = new LinkedHashMap<String, String>();
        JsonNode l = n.get("labels");
        if (l != null && !l.isNull()) {
            if (!l.isObject()) {
                errors.add(new ValidationException.FieldError("filters.labels", "must be an object of label: value, e.g. {\"arch\": \"arm64\"}"));
            } else {
                l.fields().forEachRemaining(e -> {
                    if (!e.getValue().isTextual()) {
                        errors.add(new ValidationException.FieldError("filters.labels." + e.getKey(), "must be a string"));
                    } else labels.put(e.getKey(), e.getValue().textValue());
                });
            }
        }
        return new Filters(type, name, labels);
    }

    private static String text(JsonNode n, String field, List<ValidationException.FieldError> errors) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > MAX_FILTER_CHARS) {
            errors.add(new ValidationException.FieldError("filters." + field, "must be a non-empty string of at most "
                    + MAX_FILTER_CHARS + " characters"));
            return null;
        }
        return v.textValue();
    }
}
