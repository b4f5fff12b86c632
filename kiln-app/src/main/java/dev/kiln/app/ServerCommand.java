package dev.kiln.app;

import dev.kiln.agent.AgentConfig;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.http.AgentLimits;
import java.nio.file.Files;
import dev.kiln.server.http.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import dev.kiln.server.ops.Amounts;
import dev.kiln.server.ops.RetentionPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kiln server}: the whole system on one machine (SQLite store, embedded agent) unless told otherwise. Each
 * option may also come from the environment or {@code kiln.conf} in the data dir ({@link ConfigSources}).
 */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Start the Kiln server (with an embedded agent).")
final class ServerCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "./kiln-data", description = "Where the database, logs and agent workspaces live (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String bind;

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    // picocli gives a negatable option's plain name the opposite of its default, so the option is named for what it
    // turns on: --embedded-agent (default) and --no-embedded-agent, which turns it off
    @Option(names = "--embedded-agent", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run jobs on an agent inside the server process (default: on; --no-embedded-agent turns it off).")
    boolean embeddedAgent;

    @Option(names = "--agent-name", defaultValue = "embedded", description = "Name of the embedded agent (default: ${DEFAULT-VALUE}).")
    String agentName;

    @Option(names = "--agent-capacity", defaultValue = "0", description = "Jobs the embedded agent runs at once (default: one per core).")
    int agentCapacity;

    @Option(names = "--agent-labels", defaultValue = "", description = "Extra labels of the embedded agent, e.g. toolchain=[gcc-12,jdk-21],zone=a")
    String agentLabels;

    @Option(names = "--agent-lost-after", defaultValue = "15", description = "Seconds a disconnected agent's jobs wait for it before they are lost (default: ${DEFAULT-VALUE}).")
    int agentLostAfter;

    @Option(names = "--heartbeat-timeout", defaultValue = "15", description = "Seconds without a heartbeat before an agent counts as gone (default: ${DEFAULT-VALUE}).")
    int heartbeatTimeout;

    @Option(names = "--session-days", defaultValue = "30", description = "Days a dashboard sign-in lasts, across browser restarts (default: ${DEFAULT-VALUE}).")
    int sessionDays;

    @Option(names = "--agent-max-messages", defaultValue = "2000", description = "Protocol messages per second one agent connection may send before it is read more slowly (default: ${DEFAULT-VALUE}).")
    int agentMaxMessages;

    @Option(names = "--agent-max-log-bytes", defaultValue = "33554432", description = "Log bytes per second one agent connection may send before it is read more slowly (default: ${DEFAULT-VALUE}, 32 MiB).")
    long agentMaxLogBytes;

    @Option(names = "--database", defaultValue = "${env:KILN_DATABASE}",
            description = "Store in PostgreSQL at this URL, e.g. postgresql://kiln:secret@db:5432/kiln (default: $KILN_DATABASE, else SQLite in the data dir).")
    String database;

    @Option(names = "--graph", description = "The build graph (kiln.yaml) to load and watch for changes (default: ./kiln.yaml if it exists).")
    Path graph;

    /** --graph, else ./kiln.yaml when there is one, else none (a graph can still be put through the API). */
    Path graphFile() {
        if (graph != null) {
            if (!Files.isRegularFile(graph)) throw new IllegalArgumentException("--graph " + graph + ": no such file");
            return graph;
        }
        return Files.isRegularFile(DEFAULT_GRAPH) ? DEFAULT_GRAPH : null;
    }

    static final Path DEFAULT_GRAPH = Path.of("kiln.yaml");

    @Option(names = "--tls-keystore", description = "PKCS#12 keystore (certificate and key): also serve HTTPS, with HTTP/2, on --tls-port.")
    Path tlsKeystore;

    @Option(names = "--tls-keystore-password", defaultValue = "${env:KILN_TLS_KEYSTORE_PASSWORD}",
            description = "Password of --tls-keystore (default: $KILN_TLS_KEYSTORE_PASSWORD, which keeps it out of the process list).")
    String tlsKeystorePassword;

    @Option(names = "--tls-port", defaultValue = "8443", description = "HTTPS port with --tls-keystore (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int tlsPort;

    @Option(names = "--metrics-bind", description = "Also serve /metrics, without authentication, on host:port for Prometheus "
            + "(e.g. 127.0.0.1:9464). Keep it off public networks: on the main port /metrics needs a viewer token.")
    String metricsBind;

    /** Where scrapers find /metrics without a token ({@code --metrics-bind host:port}); null when not asked for. */
    record MetricsBind(String host, int port) {}

    MetricsBind metricsBind() {
        if (metricsBind == null) return null;
        int colon = metricsBind.lastIndexOf(':');
        String host = colon > 0 ? metricsBind.substring(0, colon).replaceAll("^\\[|]$", "") : "";
        int port;
        try {
            port = Integer.parseInt(metricsBind.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            throw new IllegalArgumentException("--metrics-bind must be host:port, e.g. 127.0.0.1:9464, not '" + metricsBind + "'");
        }
        return new MetricsBind(host, port);
    }

    @Option(names = "--retain-jobs", description = "Delete finished jobs (all they hold) older than this, e.g. 30d (default: keep).")
    String retainJobs;

    @Option(names = "--retain-logs", description = "Delete the logs of finished jobs older than this, e.g. 7d; the jobs stay (default: keep).")
    String retainLogs;

    @Option(names = "--retain-artifacts", description = "Delete the artifacts of finished jobs older than this, e.g. 14d (default: keep).")
    String retainArtifacts;

    @Option(names = "--max-data-size", description = "Delete the oldest finished jobs while the data (database + artifacts) is larger than this, e.g. 20GiB (default: no limit).")
    String maxDataSize;

    @Option(names = "--max-input-size", defaultValue = "1GiB", description = "The largest input file a submit may upload (default: ${DEFAULT-VALUE}); larger is a 413.")
    String maxInputSize;

    @Option(names = "--retention-interval", defaultValue = "1h", description = "How often the retention pass runs (default: ${DEFAULT-VALUE}; it also runs at start).")
    String retentionInterval;

    @Option(names = "--log-format", defaultValue = "text", description = "text, or json: one JSON object per line (default: ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(names = "--print-config", description = "Print each option's effective value and where it came from (flag, env, kiln.conf, default), then exit.")
    boolean printConfig;

    @Spec
    CommandSpec spec;

    /** What finished jobs are kept, as the retention options say. */
    RetentionPolicy retention() {
        return new RetentionPolicy(
                retainJobs == null ? null : Amounts.duration(retainJobs, "--retain-jobs"),
                retainLogs == null ? null : Amounts.duration(retainLogs, "--retain-logs"),
                retainArtifacts == null ? null : Amounts.duration(retainArtifacts, "--retain-artifacts"),
                maxDataSize == null ? 0 : Amounts.size(maxDataSize, "--max-data-size"),
                Amounts.duration(retentionInterval, "--retention-interval"));
    }

    /** The server's configuration, as the options say; an option out of range is an error naming it. */
    ServerConfig config() {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be between 0 and 65535");
        if (agentCapacity < 0) throw new IllegalArgumentException("--agent-capacity must be 0 (one per core) or more");
        if (agentLostAfter < 1) throw new IllegalArgumentException("--agent-lost-after must be at least 1 second");
        if (heartbeatTimeout < 1) throw new IllegalArgumentException("--heartbeat-timeout must be at least 1 second");
        if (sessionDays < 1 || sessionDays > 3650) throw new IllegalArgumentException("--session-days must be between 1 and 3650");
        if (agentMaxMessages < AgentLimits.MIN_MESSAGES_PER_SECOND) {
            throw new IllegalArgumentException("--agent-max-messages must be at least " + AgentLimits.MIN_MESSAGES_PER_SECOND);
        }
        if (agentMaxLogBytes < AgentLimits.MIN_LOG_BYTES_PER_SECOND) {
            throw new IllegalArgumentException("--agent-max-log-bytes must be at least " + AgentLimits.MIN_LOG_BYTES_PER_SECOND);
        }
        return new ServerConfig(dataDir, bind, port, embeddedAgent, agentName, agentCapacity,
                AgentConfig.parseLabels(agentLabels),
                new FleetRegistry.Timing(Duration.ofSeconds(agentLostAfter), Duration.ofSeconds(heartbeatTimeout)), true)
                .withSessionLifetime(Duration.ofDays(sessionDays))
                .withAgentLimits(new AgentLimits(agentMaxMessages, agentMaxLogBytes))
                .withGraphFile(graphFile()).withTls(tls()).withDatabase(database).withRetention(retention())
                .withMaxInputBytes(Amounts.size(maxInputSize, "--max-input-size"));
    }

    private TlsConfig tls() {
        if (tlsKeystore == null) return null;
        if (tlsKeystorePassword == null) {
            throw new IllegalArgumentException("--tls-keystore needs --tls-keystore-password (or KILN_TLS_KEYSTORE_PASSWORD)");
        }
        return new TlsConfig(tlsKeystore, tlsKeystorePassword, tlsPort);
    }

    /** Starts the server these options describe, with the embedded agent unless it was turned off. */
    KilnServer start() {
        ServerConfig config = config();
        MetricsBind metrics = metricsBind();
        KilnServer server = KilnServer.start(config, config.embeddedAgent() ? new EmbeddedAgentLauncher() : null);
        if (metrics != null) {
            try {
                server.openMetricsListener(metrics.host(), metrics.port());
            } catch (RuntimeException e) {
                server.close();
                throw new IllegalArgumentException("--metrics-bind " + metricsBind + ": cannot listen there (" + e.getMessage() + ")", e);
            }
        }
        return server;
    }

    @Override
    public Integer call() throws Exception {
        if (printConfig) {
            config(); // a value out of range is an error here too
            ConfigPrinter.print(spec, spec.commandLine().getOut());
            return 0;
        }
        LogFormat.apply(logFormat);
        var stopped = new CountDownLatch(1);
        KilnServer server = start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kiln-shutdown"));
        System.out.println("Kiln is running at " + server.baseUrl() + "  (Ctrl-C to stop)");
        if (server.tlsPort() > 0) System.out.println("HTTPS (HTTP/2) on port " + server.tlsPort());
        if (server.metricsPort() >= 0) {
            System.out.println("Metrics for Prometheus, without authentication: http://" + metricsBind().host() + ":" + server.metricsPort() + "/metrics");
        }
        if (server.firstSignInCode() != null) {
            System.out.println("First start: an admin token was written to " + dataDir.resolve("admin-token") + " (mode 0600).");
            System.out.println("Sign in (the link works once, for 15 minutes): " + server.baseUrl() + "/login#code=" + server.firstSignInCode().code());
        } else {
            System.out.println("Admin token: " + dataDir.resolve("admin-token"));
        }
        System.out.println("A fresh sign-in link at any time: kiln login-url");
        stopped.await();
        return 0;
    }
}
