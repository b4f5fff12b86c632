package dev.kiln.app;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kiln agent}: a build server that connects to a Kiln server and runs the jobs it is given. Each option may
 * also come from the environment ({@code KILN_SERVER}, {@code KILN_AGENT_TOKEN}, …) or {@code kiln.conf} in the work dir.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Run a Kiln agent that connects to a server.")
final class AgentCommand implements Callable<Integer> {
    @Option(names = "--server", description = "Server URL, e.g. http://build-master:8080 (or $KILN_SERVER); several servers of one database, comma-separated, to fail over between.")
    String server;

    @Option(names = "--token", description = "Agent token (default: $KILN_AGENT_TOKEN).")
    String token;

    @Option(names = "--name", description = "Agent name (default: host name).")
    String name;

    @Option(names = "--labels", defaultValue = "", description = "Labels, e.g. arch=arm64,toolchain=[gcc-12,jdk-21]")
    String labels;

    @Option(names = "--capacity", defaultValue = "0", description = "Jobs run at once (default: one per core).")
    int capacity;

    @Option(names = "--work-dir", defaultValue = "./kiln-agent", description = "Workspaces, spool and identity (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--keep-workspaces", defaultValue = "20", description = "Workspaces of finished attempts kept on disk, newest first; older ones are deleted (default: ${DEFAULT-VALUE}).")
    int keepWorkspaces;

    @Option(names = "--on-shutdown", defaultValue = "wait", description = "On SIGTERM: 'wait' for running jobs (up to --shutdown-timeout) or 'cancel' them (default: ${DEFAULT-VALUE}).")
    String onShutdown;

    @Option(names = "--shutdown-timeout", defaultValue = "600", description = "Seconds to wait for running jobs on SIGTERM (default: ${DEFAULT-VALUE}).")
    int shutdownTimeout;

    @Option(names = "--log-format", defaultValue = "text", description = "text, or json: one JSON object per line (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--print-config", description = "Print each option's effective value and where it came from (flag, env, kiln.conf, default), then exit.")
    boolean printConfig;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The agent's configuration, as the options say; an option out of range is an error naming it. */
    AgentConfig config() throws java.net.UnknownHostException {
        if (!onShutdown.equals("wait") && !onShutdown.equals("cancel")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--on-shutdown must be 'wait' or 'cancel'");
        }
        if (keepWorkspaces < 0) {
            throw new IllegalArgumentException("--keep-workspaces must be 0 or more");
        }
        if (server == null) throw new IllegalArgumentException("--server is needed (or KILN_SERVER, or server = … in kiln.conf)");
        var sockets = new java.util.ArrayList<URI>();
        for (String url : server.split(",")) {
            if (!url.isBlank()) sockets.add(agentSocket(url.strip()));
        }
        if (sockets.isEmpty()) throw new IllegalArgumentException("--server needs at least one URL, e.g. http://127.0.0.1:8080");
        String agentName = name != null ? name : java.net.InetAddress.getLocalHost().getHostName();
        String tok = token; // the flag, else $KILN_AGENT_TOKEN (ConfigSources)
        if (capacity < 0) throw new IllegalArgumentException("--capacity must be 0 (one per core) or more");
        if (shutdownTimeout < 0) throw new IllegalArgumentException("--shutdown-timeout must be 0 or more seconds");
        return new AgentConfig(sockets.getFirst(), tok, agentName, AgentConfig.parseLabels(labels),
                capacity > 0 ? capacity : Runtime.getRuntime().availableProcessors(), workDir, "0.1.0", Duration.ofMillis(200),
                keepWorkspaces, sockets.subList(1, sockets.size()));
    }

    /** The agent socket of the server at {@code url} (http → ws, https → wss). */
    private static URI agentSocket(String url) {
        URI base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        String scheme = switch (base.getScheme() == null ? "" : base.getScheme()) {
            case "http", "ws" -> "ws";
            case "https", "wss" -> "wss";
            default -> throw new IllegalArgumentException("--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080"
                    + " (several: comma-separated), not '" + url + "'");
        };
        return URI.create(scheme + "://" + base.getRawAuthority() + "/api/v1/agent/ws");
    }

    /** What SIGTERM does: wait for running jobs (true) or cancel them. */
    boolean waitOnShutdown() {
        return onShutdown.equals("wait");
    }

    @Override
    public Integer call() throws Exception {
        var config = config();
        if (printConfig) {
            ConfigPrinter.print(spec, spec.commandLine().getOut());
            return 0;
        }
        LogFormat.apply(logFormat);
        String agentName = config.name();
        String ws = config.servers().stream().map(URI::toString).collect(java.util.stream.Collectors.joining(", "));
        var agent = new Agent(config);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.shutdown(waitOnShutdown(), Duration.ofSeconds(shutdownTimeout));
            stopped.countDown();
        }, "kiln-agent-shutdown"));
        agent.refusal().thenRun(stopped::countDown);
        agent.start();
        System.out.println("Kiln agent " + agentName + " connecting to " + ws);
        stopped.await();
        String refusal = agent.refusal().getNow(null);
        if (refusal == null) return 0;
        // retrying with the same token and identity would be refused again: stop, and say what to fix
        System.err.println("kiln agent: the server refused this agent (" + refusal + "); check --token and --work-dir");
        agent.close();
        return 3;
    }
}
