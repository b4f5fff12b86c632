package dev.kiln.server.core;

import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * Where a notification goes and on which events: a job's own {@code notify} entry (a subscription has the same two
 * plus filters). The rules for both live here, so a job spec and a subscription accept exactly the same URLs and event
 * names.
 */
public record NotifyTarget(String url, List<String> on) {
    /**
     * The events one may subscribe to. {@code build.*} and {@code service.failed} are accepted before anything emits
     * them, so subscriptions made now receive them once it does.
     */
    public static final List<String> EVENTS = List.of("job.failed", "job.succeeded", "job.timed_out", "job.cancelled",
            "build.completed", "build.failed", "service.failed");
    private static final Set<String> KNOWN = Set.copyOf(EVENTS);
    public static final int MAX_URL_CHARS = 2048;

    public NotifyTarget {
        on = List.copyOf(on);
    }

    /** What is wrong with {@code url} as a notification endpoint, or null when it is fine. */
    public static String urlProblem(String url) {
        if (url == null || url.isBlank()) return "is required: the http(s) URL that receives the POST";
        if (url.length() > MAX_URL_CHARS) return "is too long (more than " + MAX_URL_CHARS + " characters)";
        try {
            URI u = new URI(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return "must be an absolute http:// or https:// URL, e.g. https://hooks.example.com/kiln";
            }
            if (u.getHost() == null || u.getHost().isBlank()) return "has no host; e.g. https://hooks.example.com/kiln";
            if (u.getPort() > 65535) return "has a port past 65535";
            return null;
        } catch (java.net.URISyntaxException e) {
            return "is not a valid URL (" + e.getReason() + " at index " + e.getIndex() + ")";
        }
    }

    /** What is wrong with an event name, or null when it is one of {@link #EVENTS}. */
    public static String eventProblem(String event) {
        return KNOWN.contains(event) ? null : "unknown event; use one or more of " + String.join(", ", EVENTS);
    }
}
