package dev.kiln.server.ops;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/** Durations ({@code 30d}, {@code 12h}, {@code 90m}, {@code 45s}) and sizes ({@code 500MiB}, {@code 2GB}) as operators write them. */
public final class Amounts {
    private static final Pattern DURATION = Pattern.compile("(\\d+)([dhms])");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)");

    private Amounts() {}

    public static Duration duration(String text, String option) {
        var m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be a number with d, h, m or s (e.g. 30d, 12h, 90m), not '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "d" -> Duration.ofDays(n);
            case "h" -> Duration.ofHours(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.isZero()) throw new IllegalArgumentException(option + " must be longer than 0");
        return d;
    }

    /** Bytes; the suffixes K, M, G, T (with or without B or iB) are powers of 1024. */
    public static long size(String text, String option) {
        var m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " must be a size like 500MiB, 20GiB or 1TiB, not '" + text + "'");
        }
        int shift = switch (m.group(2).isEmpty() ? 'b' : m.group(2).charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
    }
}
