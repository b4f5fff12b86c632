package dev.kiln.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one rule for hiding a job's secrets in what it prints: every character that is part of an occurrence of a
 * secret is hidden, and each run of hidden characters becomes one {@value #MASK}. Overlapping or adjacent secrets
 * are therefore hidden whole, whatever their order. A multi-line secret is also looked for line by line, as a log
 * shows it. The agent applies it before anything leaves the job's machine; the server applies it again to what an
 * agent reports.
 */
public final class SecretMasker {
    public static final String MASK = "***";
    public static final SecretMasker NONE = new SecretMasker(List.of());

    private final List<String> secrets;

    public SecretMasker(Collection<String> values) {
        this.secrets = values.stream().filter(v -> v != null && !v.isEmpty())
                .flatMap(v -> Stream.concat(Stream.of(v), v.lines().map(String::strip).filter(l -> !l.isEmpty())))
                .distinct().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    /** The length of the longest secret: how far past a cut one can reach. 0 when there is none. */
    public int longest() {
        return secrets.isEmpty() ? 0 : secrets.get(0).length();
    }

    public String mask(String text) {
        if (secrets.isEmpty() || text == null || text.isEmpty()) return text;
        boolean[] hidden = null;
        for (String s : secrets) {
            for (int at = text.indexOf(s); at >= 0; at = text.indexOf(s, at + 1)) {
                if (hidden == null) hidden = new boolean[text.length()];
                for (int i = at; i < at + s.length(); i++) hidden[i] = true;
            }
        }
        if (hidden == null) return text;
        var out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            if (!hidden[i]) out.append(text.charAt(i));
            else if (i == 0 || !hidden[i - 1]) out.append(MASK);
        }
        return out.toString();
    }

    /** Masks every string in decoded JSON — object keys too, at any depth; other values are kept. */
    public Object maskJson(Object value) {
        if (secrets.isEmpty()) return value;
        if (value instanceof String s) return mask(s);
        if (value instanceof Map<?, ?> map) {
            var out = new LinkedHashMap<String, Object>();
            map.forEach((k, v) -> out.put(mask(String.valueOf(k)), maskJson(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            var out = new ArrayList<Object>(list.size());
            list.forEach(v -> out.add(maskJson(v)));
            return out;
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> maskJsonObject(Map<String, Object> object) {
        return (Map<String, Object>) maskJson(object);
    }

    /**
     * Where a line that goes on may be cut, at or before {@code at}, so that no secret is cut in two (each half would
     * pass the mask). {@code text} must reach {@code at + longest() - 1}. Only when overlapping occurrences run
     * unbroken from the start past {@code at} (a secret like {@code aaaa} in {@code aaaa…}) is the cut after them.
     */
    public int safeCut(String text, int at) {
        int cut = at;
        for (int start = straddling(text, cut); start >= 0; start = straddling(text, cut)) cut = start;
        if (cut > 0) return cut;
        cut = at;
        for (int end = endOfStraddling(text, cut); end > cut; end = endOfStraddling(text, cut)) cut = end;
        return cut;
    }

    /** The first start of an occurrence that begins before {@code cut} and ends after it, or -1. */
    private int straddling(String text, int cut) {
        int first = -1;
        for (String s : secrets) {
            for (int start = Math.max(0, cut - s.length() + 1); start < cut; start++) {
                if (text.startsWith(s, start) && (first < 0 || start < first)) first = start;
            }
        }
        return first;
    }

    /** The furthest end of an occurrence in {@code text} that begins before {@code cut} and ends after it. */
    private int endOfStraddling(String text, int cut) {
        int end = cut;
        for (String s : secrets) {
            for (int start = Math.max(0, cut - s.length() + 1); start < cut; start++) {
                if (text.startsWith(s, start)) end = Math.max(end, start + s.length());
            }
        }
        return end;
    }
}
