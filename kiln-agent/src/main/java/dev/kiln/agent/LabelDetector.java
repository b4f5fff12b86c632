package dev.kiln.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The labels every agent has without being told: {@code arch}, {@code os}, {@code cpus}. */
public final class LabelDetector {
    private LabelDetector() {}

    public static Map<String, List<String>> detect() {
        var labels = new LinkedHashMap<String, List<String>>();
        labels.put("arch", List.of(arch(System.getProperty("os.arch"))));
        labels.put("os", List.of(os(System.getProperty("os.name"))));
        labels.put("cpus", List.of(Integer.toString(Runtime.getRuntime().availableProcessors())));
        return labels;
    }

    /** Detected labels with the configured ones laid over them. */
    public static Map<String, List<String>> merged(Map<String, List<String>> configured) {
        var labels = detect();
        labels.putAll(configured);
        return labels;
    }

    static String arch(String javaArch) {
        String a = javaArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    static String os(String javaOs) {
        String o = javaOs.toLowerCase(Locale.ROOT);
        if (o.startsWith("linux")) return "linux";
        if (o.startsWith("mac") || o.startsWith("darwin")) return "macos";
        if (o.startsWith("windows")) return "windows";
        return o.replaceAll("[^a-z0-9]", "");
    }
}
