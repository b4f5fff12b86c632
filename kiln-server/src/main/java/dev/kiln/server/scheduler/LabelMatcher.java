package dev.kiln.server.scheduler;

import java.util.List;
import java.util.Map;

/**
 * The matching rule, in one place: every requirement {@code key=value} of a job must be met by the agent's label of
 * that key; a list-valued label (toolchain=[gcc-12,jdk-21]) meets it by membership.
 */
public final class LabelMatcher {
    private LabelMatcher() {}

    public static boolean satisfies(Map<String, String> requirements, Map<String, List<String>> labels) {
        for (var req : requirements.entrySet()) {
            if (!meets(req.getKey(), req.getValue(), labels)) return false;
        }
        return true;
    }

    public static boolean meets(String key, String value, Map<String, List<String>> labels) {
        List<String> values = labels.get(key);
        return values != null && values.contains(value);
    }
}
