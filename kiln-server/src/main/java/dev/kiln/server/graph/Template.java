package dev.kiln.server.graph;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Text with named placeholders, the one syntax of kiln.yaml's outputs, inputs and commands: {@code {name}}, or
 * {@code {name:regex}} (outputs only) to narrow what a placeholder matches; {@code {{} and {@code }}} are literal
 * braces. A {@code {} right after {@code $} is shell ({@code ${HOME}}) and stays literal, so commands read as shell.
 */
record Template(String source, List<Part> parts) {
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    sealed interface Part {}

    record Literal(String text) implements Part {}

    /** {@code regex} is null when the placeholder takes the default {@code [^/]+}. */
    record Placeholder(String name, String regex) implements Part {}

    /** A template that cannot be read; the message says what to write instead. */
    static final class SyntaxException extends IllegalArgumentException {
        SyntaxException(String message) {
            super(message);
        }
    }

    Template {
        parts = List.copyOf(parts);
    }

    static Template parse(String text, boolean regexAllowed) {
        var parts = new ArrayList<Part>();
        var literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '{' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                literal.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
                literal.append('}');
                i += 2;
            } else if (c == '{' && !(i > 0 && text.charAt(i - 1) == '$')) {
                int end = placeholderEnd(text, i);
                String body = text.substring(i + 1, end);
                int colon = body.indexOf(':');
                String name = colon < 0 ? body : body.substring(0, colon);
                String regex = colon < 0 ? null : body.substring(colon + 1);
                if (!NAME.matcher(name).matches()) {
                    throw new SyntaxException("'{" + abbreviate(body) + "}' is not a placeholder: a name is letters, digits "
                            + "and '_' (not starting with a digit); write {{ and }} for literal braces");
                }
                if (regex != null && !regexAllowed) {
                    throw new SyntaxException("placeholder {" + name + "} has a regex; regexes narrow output patterns only, "
                            + "write {" + name + "} here");
                }
                if (regex != null && regex.isEmpty()) throw new SyntaxException("placeholder {" + name + ":} has an empty regex");
                if (!literal.isEmpty()) parts.add(new Literal(literal.toString()));
                literal.setLength(0);
                parts.add(new Placeholder(name, regex));
                i = end + 1;
            } else {
                literal.append(c);
                i++;
            }
        }
        if (!literal.isEmpty()) parts.add(new Literal(literal.toString()));
        return new Template(text, parts);
    }

    /** The index of the '}' closing the placeholder opened at {@code open}; a regex may hold balanced braces. */
    private static int placeholderEnd(String text, int open) {
        int depth = 0;
        for (int i = open + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') i++;
            else if (c == '{') depth++;
            else if (c == '}' && depth-- == 0) return i;
        }
        throw new SyntaxException("'{' at character " + (open + 1) + " is never closed; write {{ for a literal brace");
    }

    /** The placeholder names, in order of first use. */
    Set<String> names() {
        var names = new LinkedHashSet<String>();
        for (Part p : parts) if (p instanceof Placeholder ph) names.add(ph.name());
        return names;
    }

    /** The text with each placeholder replaced by {@code value.apply(name)}. */
    String render(Function<String, String> value) {
        var out = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Literal l -> out.append(l.text());
                case Placeholder ph -> out.append(value.apply(ph.name()));
            }
        }
        return out.toString();
    }

    /**
     * The text for a batch of several value sets: each word (text between blanks) that holds a placeholder is
     * rendered once per value set, the distinct results joined by a space, so {@code ./report.sh {week}-{day}} for
     * three days reads {@code ./report.sh 2026-W45-1 2026-W45-2 2026-W45-3}. Each value goes through {@code quote}.
     */
    String renderEachWord(List<Map<String, String>> valueSets, Function<String, String> quote) {
        var out = new StringBuilder();
        var word = new ArrayList<Part>();
        for (Part p : parts) {
            if (p instanceof Literal l) {
                String text = l.text();
                int start = 0;
                for (int i = 0; i < text.length(); i++) {
                    if (Character.isWhitespace(text.charAt(i))) {
                        if (i > start) word.add(new Literal(text.substring(start, i)));
                        flushWord(word, valueSets, quote, out);
                        out.append(text.charAt(i));
                        start = i + 1;
                    }
                }
                if (start < text.length()) word.add(new Literal(text.substring(start)));
            } else {
                word.add(p);
            }
        }
        flushWord(word, valueSets, quote, out);
        return out.toString();
    }

    private static void flushWord(List<Part> word, List<Map<String, String>> valueSets, Function<String, String> quote, StringBuilder out) {
        if (word.isEmpty()) return;
        var one = new Template("", word);
        if (one.names().isEmpty()) {
            out.append(one.render(Map.of()));
        } else {
            var rendered = new LinkedHashSet<String>();
            for (Map<String, String> values : valueSets) rendered.add(one.render(name -> quote.apply(values.get(name))));
            out.append(String.join(" ", rendered));
        }
        word.clear();
    }

    String render(Map<String, String> values) {
        return render(name -> {
            String v = values.get(name);
            if (v == null) throw new IllegalArgumentException("no value for placeholder {" + name + "} in " + source);
            return v;
        });
    }

    static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
