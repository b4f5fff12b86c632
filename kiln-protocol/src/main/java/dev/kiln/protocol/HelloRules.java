package dev.kiln.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an agent may call itself: the one place for the rules on agent ids, names, labels, capacity and version. The
 * agent checks its own configuration with them, the server checks every {@code hello} (and an agent id given to a
 * token) with them, so what one side accepts the other does too.
 */
public final class HelloRules {
    public static final int MAX_CAPACITY = 1024;
    public static final int MAX_LABELS = 64;
    public static final int MAX_LABEL_VALUES = 64;
    public static final int MAX_NAME_LENGTH = 100;
    /** Letters, digits and {@code . _ : -}, 1 to 64 of them: a UUID fits, a control character or a slash does not. */
    public static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
    public static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,63}");
    public static final Pattern LABEL_VALUE = Pattern.compile("[^\\s,\\[\\]|=\\p{Cntrl}]{1,128}");
    public static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.+_-]{0,39}");

    private HelloRules() {}

    /** Null when the id is valid, else what is wrong with it (never the id itself: it may hold anything). */
    public static String agentIdProblem(String agentId) {
        if (agentId == null || agentId.isEmpty()) return "agent_id is required";
        if (!AGENT_ID.matcher(agentId).matches()) {
            return "agent_id must be 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit";
        }
        return null;
    }

    /** Null when the name is valid, else what is wrong with it. */
    public static String nameProblem(String name) {
        if (name == null || name.isBlank()) return "name is required";
        if (name.length() > MAX_NAME_LENGTH) return "name is longer than " + MAX_NAME_LENGTH + " characters";
        if (name.chars().anyMatch(Character::isISOControl)) return "name holds a control character";
        return null;
    }

    /** Every problem of a hello, empty when it is valid. */
    public static List<String> problems(AgentMessage.Hello hello) {
        var problems = new ArrayList<String>();
        addIfNotNull(problems, agentIdProblem(hello.agentId()));
        addIfNotNull(problems, nameProblem(hello.name()));
        if (hello.capacity() < 1 || hello.capacity() > MAX_CAPACITY) {
            problems.add("capacity must be between 1 and " + MAX_CAPACITY);
        }
        if (hello.version() == null || !VERSION.matcher(hello.version()).matches()) {
            problems.add("version must be 1-40 letters, digits, '.', '+', '_' or '-'");
        }
        addIfNotNull(problems, labelsProblem(hello.labels()));
        if (hello.running() != null && (hello.running().size() > MAX_CAPACITY || hello.running().stream().anyMatch(java.util.Objects::isNull))) {
            problems.add("running must list at most " + MAX_CAPACITY + " jobs");
        }
        return problems;
    }

    /** Null when the labels are valid, else the first thing wrong with them. */
    public static String labelsProblem(Map<String, List<String>> labels) {
        if (labels == null) return null;
        if (labels.size() > MAX_LABELS) return "at most " + MAX_LABELS + " labels";
        for (var e : labels.entrySet()) {
            if (e.getKey() == null || !LABEL_KEY.matcher(e.getKey()).matches()) {
                return "a label key must be 1-64 letters, digits, '.', '-', '_' or '/'";
            }
            List<String> values = e.getValue();
            if (values == null || values.isEmpty() || values.size() > MAX_LABEL_VALUES) {
                return "label '" + e.getKey() + "' needs 1 to " + MAX_LABEL_VALUES + " values";
            }
            for (String v : values) {
                if (v == null || !LABEL_VALUE.matcher(v).matches()) {
                    return "label '" + e.getKey() + "' has a value that is not 1-128 characters without spaces, "
                            + "control characters or , [ ] | =";
                }
            }
        }
        return null;
    }

    private static void addIfNotNull(List<String> list, String problem) {
        if (problem != null) list.add(problem);
    }
}
