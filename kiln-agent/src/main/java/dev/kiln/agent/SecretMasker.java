package dev.kiln.agent;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Replaces every secret value in a line with {@code ***}; longer secrets first, so one inside another is covered. */
final class SecretMasker {
    private final List<String> secrets;

    SecretMasker(Collection<String> values) {
        this.secrets = values.stream().filter(v -> v != null && !v.isEmpty()).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    String mask(String line) {
        if (secrets.isEmpty()) return line;
        String masked = line;
        for (String s : secrets) {
            if (masked.contains(s)) masked = masked.replace(s, "***");
        }
        return masked;
    }
}
