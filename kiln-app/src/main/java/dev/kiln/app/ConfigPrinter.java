package dev.kiln.app;

import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --print-config}: every option of a command, its effective value and where it came from; tokens hidden. */
final class ConfigPrinter {
    private ConfigPrinter() {}

    static void print(CommandSpec spec, PrintWriter out) {
        var sources = (ConfigSources) spec.defaultValueProvider();
        var parsed = spec.commandLine().getParseResult();
        out.println("# " + (sources.fileRead() == null ? "no " + ConfigSources.FILE + " read" : "read " + sources.fileRead()));
        for (OptionSpec o : spec.options()) {
            String name = o.longestName().replaceFirst("^--", "");
            if (name.equals("help") || name.equals("version") || name.equals("print-config")) continue;
            Object value = o.getValue();
            String shown = value == null ? "" : value.toString();
            if (name.contains("token") && value != null) shown = "(set, hidden)";
            var source = sources.sourceOf(o, parsed);
            String from = switch (source) {
                case ENV -> "env " + sources.envNameOf(o);
                case FILE -> ConfigSources.FILE;
                default -> source.name().toLowerCase(Locale.ROOT);
            };
            out.printf("%-22s %-28s %s%n", name, shown, from);
        }
        out.flush();
    }
}
