package dev.kiln.server.graph;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * An output pattern such as {@code reports/daily/date={date:\d{4}-\d{2}-\d{2}}}: matches a partition ref and yields
 * its placeholder values, and renders a ref from values. A placeholder matches one path segment ({@code [^/]+});
 * a regex narrows it (the value must match both).
 */
final class PartitionPattern {
    /** Refs are what people type and jobs see in {@code KILN_PARTITIONS} (space-separated): no blanks in them. */
    static final int MAX_REF_CHARS = 300;

    private final Template template;
    private final Pattern regex;
    private final List<String> groupNames = new ArrayList<>();
    private final int[] groups;

    PartitionPattern(Template template) {
        this.template = template;
        var re = new StringBuilder();
        for (Template.Part p : template.parts()) {
            switch (p) {
                case Template.Literal l -> re.append(Pattern.quote(l.text()));
                case Template.Placeholder ph -> {
                    if (groupNames.contains(ph.name())) {
                        throw new Template.SyntaxException("placeholder {" + ph.name() + "} appears twice; name each part once");
                    }
                    // group names are generated: Java's allow no '_', placeholders do
                    re.append("(?<p").append(groupNames.size()).append(">")
                            .append(ph.regex() == null ? "[^/]+" : "(?:" + checkedRegex(ph) + ")").append(")");
                    groupNames.add(ph.name());
                }
            }
        }
        this.regex = Pattern.compile(re.toString());
        // by number, not by name, in the hot loop: a user's regex may hold groups of its own, so ask the pattern
        this.groups = groupNames.stream().mapToInt(name -> regex.namedGroups().get("p" + groupNames.indexOf(name))).toArray();
    }

    static PartitionPattern parse(String text) {
        return new PartitionPattern(Template.parse(text, true));
    }

    private static String checkedRegex(Template.Placeholder ph) {
        try {
            Pattern.compile(ph.regex());
            return ph.regex();
        } catch (PatternSyntaxException e) {
            throw new Template.SyntaxException("placeholder {" + ph.name() + "} has an invalid regex '"
                    + Template.abbreviate(ph.regex()) + "': " + e.getDescription() + " (near index " + e.getIndex() + ")");
        }
    }

    String text() {
        return template.source();
    }

    Template template() {
        return template;
    }

    /** The placeholder values of {@code ref}, if it matches. */
    Optional<Map<String, String>> match(String ref) {
        Matcher m = regex.matcher(ref);
        if (!m.matches()) return Optional.empty();
        var values = new LinkedHashMap<String, String>();
        for (int i = 0; i < groupNames.size(); i++) {
            String v = m.group(groups[i]);
            if (v.isEmpty() || v.indexOf('/') >= 0) return Optional.empty(); // a regex narrows [^/]+, never widens it
            values.put(groupNames.get(i), v);
        }
        return Optional.of(values);
    }

    String render(Map<String, String> values) {
        return template.render(values);
    }

    /** The pattern with its placeholder names erased: two patterns of one shape match the same refs. */
    String shape() {
        var out = new StringBuilder();
        for (Template.Part p : template.parts()) {
            switch (p) {
                case Template.Literal l -> out.append(l.text().replace("{", "{{").replace("}", "}}"));
                case Template.Placeholder ph -> out.append(ph.regex() == null ? "{}" : "{:" + ph.regex() + "}");
            }
        }
        return out.toString();
    }

    /** Why {@code ref} cannot be a partition ref, or null when it can. */
    static String refProblem(String ref) {
        if (ref == null || ref.isEmpty()) return "a partition ref must not be empty";
        if (ref.length() > MAX_REF_CHARS) return "a partition ref has at most " + MAX_REF_CHARS + " characters";
        for (int i = 0; i < ref.length(); i++) {
            char c = ref.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSurrogate(c) && !validPair(ref, i)) {
                return "a partition ref has no blanks, control characters or invalid unicode";
            }
            if (Character.isHighSurrogate(c)) i++;
        }
        return null;
    }

    private static boolean validPair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }

    /**
     * Whether some ref could be both an instance of {@code input} and a match of {@code output}, taking every
     * placeholder of either as "one or more characters but '/'" (regexes are ignored, so this may say yes where a
     * narrowing regex rules a match out). The static edges of the graph come from it; the planner matches real refs.
     */
    static boolean mayOverlap(Template input, Template output) {
        List<Item> a = items(input), b = items(output);
        // a walk over the product of the two sequences: state (i, j) = a[..i) and b[..j) consumed the same text
        int cols = b.size() + 1;
        boolean[] seen = new boolean[(a.size() + 1) * cols];
        var todo = new ArrayDeque<int[]>();
        todo.add(new int[] {0, 0});
        seen[0] = true;
        while (!todo.isEmpty()) {
            int[] s = todo.poll();
            int i = s[0], j = s[1];
            if (i == a.size() && j == b.size()) return true;
            var next = new ArrayList<int[]>();
            if (i < a.size() && a.get(i) == Item.ANY_STAR) next.add(new int[] {i + 1, j});
            if (j < b.size() && b.get(j) == Item.ANY_STAR) next.add(new int[] {i, j + 1});
            if (i < a.size() && j < b.size() && a.get(i).agrees(b.get(j))) {
                next.add(new int[] {a.get(i) == Item.ANY_STAR ? i : i + 1, b.get(j) == Item.ANY_STAR ? j : j + 1});
            }
            for (int[] n : next) {
                if (!seen[n[0] * cols + n[1]]) {
                    seen[n[0] * cols + n[1]] = true;
                    todo.add(n);
                }
            }
        }
        return false;
    }

    /** One character of a template, or a placeholder as ANY followed by ANY_STAR ("one or more"). */
    private record Item(char c, int kind) {
        static final Item ANY = new Item('\0', 1);
        static final Item ANY_STAR = new Item('\0', 2);

        /** Some single character satisfies both. */
        boolean agrees(Item o) {
            if (kind == 0 && o.kind == 0) return c == o.c;
            if (kind == 0) return c != '/';
            if (o.kind == 0) return o.c != '/';
            return true;
        }
    }

    private static List<Item> items(Template t) {
        var out = new ArrayList<Item>();
        for (Template.Part p : t.parts()) {
            switch (p) {
                case Template.Literal l -> l.text().chars().forEach(ch -> out.add(new Item((char) ch, 0)));
                case Template.Placeholder ph -> {
                    out.add(Item.ANY);
                    out.add(Item.ANY_STAR);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return template.source();
    }
}
