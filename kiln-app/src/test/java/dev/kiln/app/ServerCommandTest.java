package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every flag of {@code kiln server} has the effect its help text gives. */
class ServerCommandTest {
    static ServerConfig parse(String... args) {
        var command = new ServerCommand();
        new CommandLine(command).parseArgs(args);
        return command.config();
    }

    @Test
    void defaults() {
        ServerConfig c = parse();
        assertThat(c.dataDir()).isEqualTo(Path.of("./kiln-data"));
        assertThat(c.bind()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.embeddedAgent()).isTrue();
        assertThat(c.agentName()).isEqualTo("embedded");
        assertThat(c.agentCapacity()).isZero();
        assertThat(c.agentLabels()).isEmpty();
        assertThat(c.fleetTiming().lostAfter()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.fleetTiming().heartbeatTimeout()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void graphIsTheGivenFileAndAMissingOneIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("pipeline.yaml"), "jobs: {}\n");
        assertThat(parse("--graph", file.toString()).graphFile()).isEqualTo(file);
        assertThatThrownBy(() -> parse("--graph", dir.resolve("nope.yaml").toString())).hasMessageContaining("--graph").hasMessageContaining("no such file");
        // without --graph: ./kiln.yaml if the working directory has one (the module's directory has none)
        assertThat(parse().graphFile()).isNull();
    }

    @Test
    void maxInputSizeIsOneGibibyteUnlessGivenAndMustBeASize() {
        assertThat(parse().maxInputBytes()).isEqualTo(1L << 30);
        assertThat(parse("--max-input-size", "10MiB").maxInputBytes()).isEqualTo(10L << 20);
        assertThatThrownBy(() -> parse("--max-input-size", "lots")).hasMessageContaining("--max-input-size");
    }

    @Test
    void noEmbeddedAgentTurnsItOffAndEmbeddedAgentOn() {
        assertThat(parse("--no-embedded-agent").embeddedAgent()).isFalse();
        assertThat(parse("--embedded-agent").embeddedAgent()).isTrue();
    }

    @Test
    void eachValueFlagSetsItsSetting() {
        ServerConfig c = parse("--data-dir", "/tmp/k", "--bind", "0.0.0.0", "--port", "0", "--agent-name", "box",
                "--agent-capacity", "3", "--agent-labels", "toolchain=[gcc-12,jdk-21],zone=a",
                "--agent-lost-after", "40", "--heartbeat-timeout", "7");
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/k"));
        assertThat(c.bind()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isZero();
        assertThat(c.agentName()).isEqualTo("box");
        assertThat(c.agentCapacity()).isEqualTo(3);
        assertThat(c.agentLabels()).containsEntry("toolchain", List.of("gcc-12", "jdk-21")).containsEntry("zone", List.of("a"));
        assertThat(c.fleetTiming().lostAfter()).isEqualTo(Duration.ofSeconds(40));
        assertThat(c.fleetTiming().heartbeatTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void outOfRangeValuesNameTheFlag() {
        assertThatThrownBy(() -> parse("--port", "70000")).hasMessageContaining("--port");
        assertThatThrownBy(() -> parse("--agent-capacity", "-1")).hasMessageContaining("--agent-capacity");
        assertThatThrownBy(() -> parse("--agent-lost-after", "0")).hasMessageContaining("--agent-lost-after");
        assertThatThrownBy(() -> parse("--heartbeat-timeout", "-2")).hasMessageContaining("--heartbeat-timeout");
        assertThatThrownBy(() -> parse("--port", "eighty")).isInstanceOf(CommandLine.ParameterException.class);
    }

    @Test
    void databaseIsTheFlagElseKilnDatabaseElseSqliteInTheDataDir() throws NoSuchFieldException {
        assertThat(parse().database()).isEqualTo(System.getenv("KILN_DATABASE"));
        assertThat(parse("--database", "postgresql://k:p@db/kiln").database()).isEqualTo("postgresql://k:p@db/kiln");
        assertThat(ServerCommand.class.getDeclaredField("database").getAnnotation(CommandLine.Option.class).defaultValue())
                .isEqualTo("${env:KILN_DATABASE}");
    }

    /** A database the server cannot use stops it with one plain line (exit 2) naming what to fix, no stack trace. */
    @Test
    void aBadOrUnreachableDatabaseIsOnePlainLine(@TempDir Path dir) throws IOException {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        var bad = runServer(dir, "mysql://db/kiln");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("kiln: --database (or KILN_DATABASE) must look like postgresql://").hasLineCount(1);
        var unreachable = runServer(dir, "postgresql://kiln:hunter2@127.0.0.1:" + closedPort + "/kiln");
        assertThat(unreachable.code()).isEqualTo(2);
        assertThat(unreachable.err()).startsWith("kiln: cannot use the PostgreSQL database 127.0.0.1:" + closedPort + "/kiln")
                .contains("Check --database").doesNotContain("hunter2", "Exception").hasLineCount(1);
    }

    private record Run(int code, String err) {}

    private static Run runServer(Path dir, String database) {
        var err = new StringWriter();
        var cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("server", "--data-dir", dir.toString(), "--port", "0", "--no-embedded-agent",
                "--database", database);
        return new Run(code, err.toString());
    }

    @Test
    void tlsIsOffWithoutAKeystoreAndAKeystoreNeedsItsPassword() {
        assertThat(parse().tls()).isNull();
        assertThatThrownBy(() -> parse("--tls-keystore", "server.p12")).hasMessageContaining("--tls-keystore-password");
        assertThatThrownBy(() -> parse("--tls-keystore", "no-such.p12", "--tls-keystore-password", "pw"))
                .hasMessageContaining("cannot read the TLS keystore no-such.p12");
        assertThat(new CommandLine(new ServerCommand()).getUsageMessage()).contains("--tls-keystore", "--tls-port");
    }

    @Test
    void metricsBindIsHostAndPort() {
        var command = new ServerCommand();
        new CommandLine(command).parseArgs("--metrics-bind", "127.0.0.1:9464");
        assertThat(command.metricsBind()).isEqualTo(new ServerCommand.MetricsBind("127.0.0.1", 9464));
        new CommandLine(command).parseArgs("--metrics-bind", "[::1]:0");
        assertThat(command.metricsBind()).isEqualTo(new ServerCommand.MetricsBind("::1", 0));
        assertThat(new ServerCommand().metricsBind()).isNull();
        for (String bad : new String[] {"9464", ":9464", "localhost:", "localhost:http", "localhost:70000"}) {
            var c = new ServerCommand();
            new CommandLine(c).parseArgs("--metrics-bind", bad);
            assertThatThrownBy(c::metricsBind).as(bad).hasMessageContaining("--metrics-bind").hasMessageContaining(bad);
        }
    }

    @Test
    void helpListsTheFlags() {
        String usage = new CommandLine(new ServerCommand()).getUsageMessage();
        for (String flag : new String[] {"--data-dir", "--bind", "--port", "--[no-]embedded-agent", "--agent-name",
                "--agent-capacity", "--agent-labels", "--agent-lost-after", "--heartbeat-timeout", "--metrics-bind", "--database"}) {
            assertThat(usage).contains(flag);
        }
    }
}
