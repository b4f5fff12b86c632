package dev.kiln.app;

import dev.kiln.server.store.SecretKeyException;
import dev.kiln.server.store.StoreUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kiln} executable. */
@Command(name = "kiln", mixinStandardHelpOptions = true, version = "kiln 0.1.0",
        description = "Kiln: a self-hosted build orchestrator.",
        subcommands = {ServerCommand.class, AgentCommand.class, JobCommands.Submit.class, JobCommands.Status.class,
                JobCommands.Logs.class, JobCommands.Cancel.class, JobCommands.Stop.class, JobCommands.Rerun.class, JobCommands.Jobs.class, TokenCommands.class,
                LoginUrlCommand.class, GraphCommand.class,
                BuildCommands.Build.class, BuildCommands.Builds.class, BuildCommands.BuildStatus.class, BuildCommands.Cancel.class,
                BuildCommands.Partitions.class, OpsCommands.Prune.class, OpsCommands.Backup.class,
                OpsCommands.RestoreCommand.class, OpsCommands.MigrateCommand.class, FollowUpCommands.Apply.class,
                FollowUpCommands.Promote.class, FollowUpCommands.Releases.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = commandLine(java.util.List.of(args), System.getenv()).execute(args);
        if (code != 0) System.exit(code);
    }

    /** The command line, its server and agent options also read from the environment and kiln.conf. */
    static CommandLine commandLine() {
        return commandLine(java.util.List.of(), System.getenv());
    }

    /** {@code args}: the arguments it will be given (the dir of kiln.conf is one of them); {@code env}: the environment. */
    static CommandLine commandLine(java.util.List<String> args, java.util.Map<String, String> env) {
        var cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.getSubcommands().get("server").setDefaultValueProvider(new ConfigSources(args, env, "--data-dir", java.util.Map.of()));
        cli.getSubcommands().get("agent").setDefaultValueProvider(
                new ConfigSources(args, env, "--work-dir", java.util.Map.of("--token", "KILN_AGENT_TOKEN")));
        // A failure the user can fix is one plain line on stderr, not a stack trace.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ApiClient.CliError || e instanceof IllegalArgumentException || e instanceof SecretKeyException
                    || e instanceof StoreUnavailableException) {
                cmd.getErr().println("kiln: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
