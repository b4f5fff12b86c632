package dev.kiln.server.events;

import java.util.Map;

/**
 * An immutable fact of the event log. {@code id} orders all events (the SSE cursor); {@code jobId} may be null for
 * events about agents or the server.
 */
public record Event(long id, String jobId, String kind, long timestampNs, Map<String, Object> data) {
    public Event {
        data = data == null ? Map.of() : data;
    }

    /** An event not yet stored (no id). */
    public static Event draft(String jobId, String kind, Map<String, Object> data) {
        return new Event(0, jobId, kind, Clock.nowNs(), data);
    }

    /** Event data from key/value pairs, in order, nulls left out. */
    public static Map<String, Object> data(Object... keysAndValues) {
        var m = new java.util.LinkedHashMap<String, Object>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    public Event withId(long newId) {
        return new Event(newId, jobId, kind, timestampNs, data);
    }
}
