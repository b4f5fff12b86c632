package dev.kiln.server.graph;

import java.util.regex.Pattern;

/** Placeholder values go into shell commands, and refs come from whoever requests a build: quote what is not plain. */
final class ShellWords {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.,:=+@%/-]+");

    private ShellWords() {}

    static String quote(String value) {
        if (PLAIN.matcher(value).matches()) return value;
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
