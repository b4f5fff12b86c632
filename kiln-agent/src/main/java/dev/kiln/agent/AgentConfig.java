package dev.kiln.agent;

import dev.kiln.protocol.HelloRules;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How an agent runs: where the server is, who it is, what it offers. {@code labels} are merged over the detected
 * ones ({@code arch}, {@code os}, {@code cpus}); {@code reconnectDelay} is the first back-off after a lost connection;
 * {@code keepWorkspaces} is how many finished attempts' workspaces stay on disk; {@code fallbackServers} are the
 * other servers of the same system (one database), tried in order after {@code serverUri} when it cannot be reached.
 */
public record AgentConfig(URI serverUri, String token, String name, Map<String, List<String>> labels, int capacity,
                          Path workDir, String version, Duration reconnectDelay, int keepWorkspaces,
                          List<URI> fallbackServers) {
    public static final int DEFAULT_KEEP_WORKSPACES = 20;

    private static final Pattern KEY = HelloRules.LABEL_KEY;
    private static final Pattern VALUE = HelloRules.LABEL_VALUE;

    public AgentConfig {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        if (capacity < 1 || capacity > HelloRules.MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be between 1 and " + HelloRules.MAX_CAPACITY);
        }
        reconnectDelay = reconnectDelay == null ? Duration.ofMillis(200) : reconnectDelay;
        if (keepWorkspaces < 0) throw new IllegalArgumentException("keep-workspaces must be 0 or more");
        fallbackServers = fallbackServers == null ? List.of() : List.copyOf(fallbackServers);
    }

    public AgentConfig(URI serverUri, String token, String name, Map<String, List<String>> labels, int capacity,
                       Path workDir, String version, Duration reconnectDelay, int keepWorkspaces) {
        this(serverUri, token, name, labels, capacity, workDir, version, reconnectDelay, keepWorkspaces, List.of());
    }

    /** Every server the agent may connect to, in the order it tries them: {@code serverUri} first. */
    public List<URI> servers() {
        var all = new ArrayList<URI>(1 + fallbackServers.size());
        all.add(serverUri);
        all.addAll(fallbackServers);
        return all;
    }

    public AgentConfig(URI serverUri, String token, String name, Map<String, List<String>> labels, int capacity,
                       Path workDir, String version, Duration reconnectDelay) {
        this(serverUri, token, name, labels, capacity, workDir, version, reconnectDelay, DEFAULT_KEEP_WORKSPACES);
    }

    /**
     * Parses {@code arch=arm64,toolchain=[gcc-12,jdk-21],os=linux}: comma-separated {@code key=value}; a value in
     * brackets is a list (items separated by {@code ,} or {@code |}).
     */
    public static Map<String, List<String>> parseLabels(String spec) {
        var out = new LinkedHashMap<String, List<String>>();
        if (spec == null || spec.isBlank()) return out;
        int i = 0;
        String s = spec.strip();
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            if (eq < 0) throw new IllegalArgumentException("label '" + s.substring(i) + "' needs a value: write key=value, e.g. arch=arm64");
            String key = s.substring(i, eq).strip();
            if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("label key '" + key + "' is not valid: use letters, digits, '.', '-', '_' or '/'");
            i = eq + 1;
            List<String> values = new ArrayList<>();
            if (i < s.length() && s.charAt(i) == '[') {
                int close = s.indexOf(']', i);
                if (close < 0) throw new IllegalArgumentException("label '" + key + "': '[' without a closing ']'");
                for (String v : s.substring(i + 1, close).split("[,|]")) {
                    String item = v.strip();
                    if (item.isEmpty()) continue;
                    values.add(checkValue(key, item));
                }
                if (values.isEmpty()) throw new IllegalArgumentException("label '" + key + "' has an empty list");
                i = close + 1;
            } else {
                int comma = s.indexOf(',', i);
                int end = comma < 0 ? s.length() : comma;
                for (String v : s.substring(i, end).split("\\|")) values.add(checkValue(key, v.strip()));
                i = end;
            }
            if (out.put(key, List.copyOf(values)) != null) throw new IllegalArgumentException("label '" + key + "' is given twice");
            while (i < s.length() && (s.charAt(i) == ',' || Character.isWhitespace(s.charAt(i)))) i++;
        }
        return out;
    }

    private static String checkValue(String key, String value) {
        if (!VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException("label '" + key + "' has an invalid value '" + value + "'");
        }
        return value;
    }
}
