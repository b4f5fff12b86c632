package dev.kiln.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The one place an option's value comes from when no flag gives it: the environment ({@code --agent-capacity} →
 * {@code KILN_AGENT_CAPACITY}), then {@code kiln.conf} in the command's directory ({@code agent-capacity = 4}), then
 * the option's own default. Flags win over all of them: picocli asks this provider only for defaults. It remembers
 * where each value came from, for {@code --print-config}.
 *
 * <p>Which directory holds {@code kiln.conf} is itself an option ({@code --data-dir} for the server, {@code --work-dir}
 * for the agent), and picocli asks for defaults before it reads the flags: so that one option is looked up in the
 * raw arguments first.
 */
final class ConfigSources implements CommandLine.IDefaultValueProvider {
    static final String FILE = "kiln.conf";

    enum Source { FLAG, ENV, FILE, DEFAULT }

    private final List<String> args;
    private final Map<String, String> env;
    private final String dirOption;
    private final Map<String, String> envNames;
    private final Map<String, Source> sources = new HashMap<>();
    private Map<String, String> file;
    private Path fileRead;

    /**
     * {@code dirOption}: the option naming the directory of {@code kiln.conf}. {@code envNames}: options whose
     * environment variable is not the derived one (kept for compatibility, e.g. the agent's {@code KILN_AGENT_TOKEN}).
     */
    ConfigSources(List<String> args, Map<String, String> env, String dirOption, Map<String, String> envNames) {
        this.args = List.copyOf(args);
        this.env = Map.copyOf(env);
        this.dirOption = dirOption;
        this.envNames = Map.copyOf(envNames);
    }

    static String envName(String option) {
        return "KILN_" + option.replaceFirst("^--", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    String envNameOf(OptionSpec option) {
        return envNames.getOrDefault(option.longestName(), envName(option.longestName()));
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) return null;
        String name = option.longestName();
        String fromEnv = env.get(envNameOf(option));
        if (fromEnv != null) {
            sources.put(name, Source.ENV);
            return fromEnv;
        }
        if (!name.equals(dirOption)) {
            String fromFile = file(option.command()).get(name.replaceFirst("^--", ""));
            if (fromFile != null) {
                sources.put(name, Source.FILE);
                return fromFile;
            }
        }
        sources.put(name, Source.DEFAULT);
        return option.defaultValue();
    }

    /** Where an option's value came from, once the command line is parsed. */
    Source sourceOf(OptionSpec option, CommandLine.ParseResult parsed) {
        if (parsed.hasMatchedOption(option)) return Source.FLAG;
        return sources.getOrDefault(option.longestName(), Source.DEFAULT);
    }

    /** The file that was read, or null when there was none. */
    Path fileRead() {
        return fileRead;
    }

    private Map<String, String> file(CommandSpec command) {
        if (file == null) file = read(confDir(command), command);
        return file;
    }

    private Path confDir(CommandSpec command) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(dirOption) && i + 1 < args.size()) return Path.of(args.get(i + 1));
            if (a.startsWith(dirOption + "=")) return Path.of(a.substring(dirOption.length() + 1));
        }
        OptionSpec dir = command.findOption(dirOption);
        String fromEnv = dir == null ? null : env.get(envNameOf(dir));
        if (fromEnv != null) return Path.of(fromEnv);
        return dir == null || dir.defaultValue() == null ? null : Path.of(dir.defaultValue());
    }

    /** {@code key = value} lines; blank lines and lines starting with # are skipped; an unknown key is an error. */
    private Map<String, String> read(Path dir, CommandSpec command) {
        if (dir == null || !Files.isRegularFile(dir.resolve(FILE))) return Map.of();
        Path path = dir.resolve(FILE);
        Set<String> known = command.options().stream().map(o -> o.longestName().replaceFirst("^--", ""))
                .filter(n -> !n.equals(dirOption.replaceFirst("^--", "")) && !n.equals("help") && !n.equals("version"))
                .collect(Collectors.toSet());
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        var values = new LinkedHashMap<String, String>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            String where = path + " line " + (i + 1) + ": ";
            if (eq < 1) throw new CommandLine.ParameterException(command.commandLine(), where + "expected 'key = value', got '" + line + "'");
            String key = line.substring(0, eq).strip();
            if (!known.contains(key)) {
                throw new CommandLine.ParameterException(command.commandLine(), where + "unknown option '" + key
                        + "' (known: " + known.stream().sorted().collect(Collectors.joining(", ")) + ")");
            }
            values.put(key, line.substring(eq + 1).strip());
        }
        fileRead = path;
        return values;
    }
}
