package dev.kiln.server.graph;

import dev.kiln.server.core.JobSpec;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A planned unit's job as Kiln runs it, made from its definition's template: command, env, name. */
final class PlannedJobSpecs {
    private PlannedJobSpecs() {}

    /**
     * The job as Kiln runs it: the command with its placeholders filled in (values shell-quoted; in a batch, each word
     * that holds a placeholder repeated for each unit), and env with {@code KILN_PARTITIONS} (all partitions) and each
     * placeholder (its distinct values), both space-separated.
     */
    static JobSpec spec(JobDefinition def, List<Map<String, String>> valueSets, List<String> partitions,
                        Map<String, List<String>> placeholders) {
        JobSpec t = def.job();
        String command = def.command().renderEachWord(valueSets, ShellWords::quote);
        var env = new TreeMap<>(t.env());
        placeholders.forEach((name, values) -> env.put(name, String.join(" ", values)));
        env.put(GraphFile.PARTITIONS_ENV, String.join(" ", partitions));
        String name = def.named() ? t.name() : defaultName(def.name(), partitions);
        return t.running(name, command, env);
    }

    /** The config step's arguments appended to the command (shell-quoted, unit by unit) and its env added. */
    static JobSpec withConfigured(JobSpec t, List<Planner.Configured> perUnit) {
        var command = new StringBuilder(t.command());
        var env = new TreeMap<>(t.env());
        for (Planner.Configured c : perUnit) {
            if (c == null) continue;
            for (String arg : c.args()) command.append(' ').append(ShellWords.quote(arg));
            env.putAll(c.env());
        }
        return t.running(t.name(), command.toString(), env);
    }

    private static String defaultName(String definition, Collection<String> partitions) {
        String first = partitions.iterator().next();
        String name = definition + " " + first + (partitions.size() > 1 ? " (+" + (partitions.size() - 1) + " more)" : "");
        return name.length() > 200 ? name.substring(0, 197) + "..." : name;
    }
}
