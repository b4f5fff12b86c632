package dev.kiln.server.jobs;

import dev.kiln.server.core.ValidationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The generic field checks of a submitted job (string, whole number, map, list, boolean), collecting every problem
 * into one error list, so {@link JobSpecParser} and {@link JobFollowUpFields} report all problems at once.
 */
final class FieldReader {
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-/]{0,63}");

    final List<ValidationException.FieldError> errors = new ArrayList<>();

    /** Runs a field check of a nested object, its errors' fields prefixed (e.g. {@code apply.type}). */
    <T> T nested(java.util.function.Supplier<T> check, String prefix) {
        int before = errors.size();
        T value = check.get();
        for (int i = before; i < errors.size(); i++) {
            var e = errors.get(i);
            errors.set(i, new ValidationException.FieldError(prefix + e.field(), e.message()));
        }
        return value;
    }

    void refuseNull(ObjectNode obj, String field, String hint) {
        refuseNull(obj, field, field, hint);
    }

    void refuseNull(ObjectNode obj, String key, String field, String hint) {
        if (obj.has(key) && obj.get(key).isNull()) error(field, "must not be null: " + hint);
    }

    void error(String field, String message) {
        errors.add(new ValidationException.FieldError(field, message));
    }

    String string(ObjectNode obj, String field, int maxChars, Pattern pattern) {
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

    static String expected(String field) {
        return switch (field) {
            case "commit_hash" -> ": use a hex commit id (4 to 64 characters) or HEAD";
            case "target_architecture" -> ": use lowercase letters, digits, '-' or '_', e.g. x86_64 or arm64";
            case "type" -> ": use letters, digits, '.', '-', '_' or '/', e.g. build or deploy";
            default -> "";
        };
    }

    long integer(ObjectNode obj, String field, long min, long max, long dflt) {
        return integer(obj, field, field, min, max, dflt);
    }

    long integer(ObjectNode obj, String key, String field, long min, long max, long dflt) {
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

    boolean bool(ObjectNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) {
            error(field, "must be true or false, not " + describe(n));
            return false;
        }
        return n.booleanValue();
    }

    Map<String, String> map(ObjectNode obj, String field, Pattern keyPattern, int maxValueChars) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isObject()) {
            error(field, "must be an object of string values, e.g. {\"KEY\": \"value\"}, not " + describe(n));
            return null;
        }
        if (n.size() > JobSpecParser.MAX_MAP_ENTRIES) {
            error(field, "has " + n.size() + " entries, at most " + JobSpecParser.MAX_MAP_ENTRIES);
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

    List<String> stringList(ObjectNode obj, String field, int maxItems, int maxChars) {
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

    static String quote(String s) {
        String shown = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }
}
