package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.ServerConfig;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where an option's value comes from: flag over environment over kiln.conf over default; and --print-config, --log-format. */
class ConfigSourcesTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run kiln(Map<String, String> env, String... args) {
        var cli = Main.commandLine(List.of(args), env);
        var out = new StringWriter();
        var err = new StringWriter();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    ServerConfig serverConfig(Map<String, String> env, String... args) {
        var cli = Main.commandLine(List.of(args), env);
        var parsed = cli.parseArgs(args);
        return ((ServerCommand) parsed.subcommand().commandSpec().userObject()).config();
    }

    @Test
    void aFlagBeatsTheEnvironmentWhichBeatsKilnConfWhichBeatsTheDefault() throws Exception {
        Files.writeString(dir.resolve("kiln.conf"), """
                # the file's values
                port = 7000
                agent-capacity = 3
                bind = 0.0.0.0
                retain-jobs = 30d
                """);
        String data = "--data-dir=" + dir;
        var env = Map.of("KILN_PORT", "7100", "KILN_AGENT_CAPACITY", "5");

        ServerConfig fromFlag = serverConfig(env, "server", data, "--port", "7200");
        assertThat(fromFlag.port()).isEqualTo(7200);                      // flag
        assertThat(fromFlag.agentCapacity()).isEqualTo(5);                // env
        assertThat(fromFlag.bind()).isEqualTo("0.0.0.0");                 // kiln.conf
        assertThat(fromFlag.retention().jobs()).isEqualTo(Duration.ofDays(30));
        assertThat(fromFlag.agentName()).isEqualTo("embedded");           // default

        assertThat(serverConfig(env, "server", data).port()).isEqualTo(7100);
        assertThat(serverConfig(Map.of(), "server", data).port()).isEqualTo(7000);
        assertThat(serverConfig(Map.of(), "server", "--data-dir", dir.resolve("elsewhere").toString()).port()).isEqualTo(8080);
        // the data dir itself may come from the environment, and then so does its kiln.conf
        assertThat(serverConfig(Map.of("KILN_DATA_DIR", dir.toString()), "server").port()).isEqualTo(7000);
        assertThat(serverConfig(Map.of("KILN_EMBEDDED_AGENT", "false"), "server", data).embeddedAgent()).isFalse();
    }

    @Test
    void anUnknownKeyInKilnConfIsAnErrorNamingTheLine() throws Exception {
        Files.writeString(dir.resolve("kiln.conf"), "port = 7000\n\nprot = 7001\n");
        Run r = kiln(Map.of(), "server", "--data-dir", dir.toString(), "--print-config");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(dir.resolve("kiln.conf") + " line 3: unknown option 'prot'");

        Files.writeString(dir.resolve("kiln.conf"), "just words\n");
        assertThat(kiln(Map.of(), "server", "--data-dir", dir.toString(), "--print-config").err())
                .contains("line 1: expected 'key = value'");
    }

    @Test
    void printConfigShowsEachValueAndWhereItCameFrom() throws Exception {
        Files.writeString(dir.resolve("kiln.conf"), "bind = 0.0.0.0\nretain-logs = 7d\n");
        Run r = kiln(Map.of("KILN_AGENT_CAPACITY", "4"), "server", "--data-dir", dir.toString(), "--port", "9000", "--print-config");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("read " + dir.resolve("kiln.conf"));
        assertThat(lineOf(r.out(), "port")).matches("port\\s+9000\\s+flag");
        assertThat(lineOf(r.out(), "agent-capacity")).matches("agent-capacity\\s+4\\s+env KILN_AGENT_CAPACITY");
        assertThat(lineOf(r.out(), "bind")).matches("bind\\s+0\\.0\\.0\\.0\\s+kiln\\.conf");
        assertThat(lineOf(r.out(), "retain-logs")).matches("retain-logs\\s+7d\\s+kiln\\.conf");
        assertThat(lineOf(r.out(), "session-days")).matches("session-days\\s+30\\s+default");
        assertThat(lineOf(r.out(), "data-dir")).contains("flag");
    }

    @Test
    void theAgentReadsItsTokenFromKilnAgentTokenAndPrintConfigHidesIt() {
        Run r = kiln(Map.of("KILN_AGENT_TOKEN", "s3cret-token", "KILN_SERVER", "http://build:8080"),
                "agent", "--work-dir", dir.toString(), "--print-config");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(lineOf(r.out(), "token")).matches("token\\s+\\(set, hidden\\)\\s+env KILN_AGENT_TOKEN");
        assertThat(lineOf(r.out(), "server")).matches("server\\s+http://build:8080\\s+env KILN_SERVER");
        assertThat(r.out()).doesNotContain("s3cret-token");
    }

    @Test
    void aBadRetentionValueIsAPlainError() {
        Run r = kiln(Map.of("KILN_RETAIN_JOBS", "a month"), "server", "--data-dir", dir.toString(), "--print-config");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--retain-jobs must be a number with d, h, m or s");
    }

    @Test
    void jsonLogLinesParseAsJson() throws Exception {
        // the running context (a bare new one has no MDC adapter); a logger of the test's own, not additive
        var context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        var appender = new ch.qos.logback.core.OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        var sink = new java.io.ByteArrayOutputStream();
        appender.setContext(context);
        appender.setOutputStream(sink);
        var text = new ch.qos.logback.classic.encoder.PatternLayoutEncoder();
        text.setContext(context);
        text.setPattern("%msg%n");
        text.start();
        appender.setEncoder(text);
        appender.start();
        var logger = context.getLogger("dev.kiln.test.json");
        logger.setAdditive(false);
        logger.addAppender(appender);

        LogFormat.useJson(context);
        logger.info("job {} \"quoted\" done", "abc");
        logger.warn("second");

        var lines = sink.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertThat(lines).hasSize(2);
        var json = new ObjectMapper();
        var first = json.readTree(lines[0]);
        assertThat(first.get("level").asText()).isEqualTo("INFO");
        assertThat(first.get("loggerName").asText()).isEqualTo("dev.kiln.test.json");
        assertThat(first.get("formattedMessage").asText()).isEqualTo("job abc \"quoted\" done");
        assertThat(json.readTree(lines[1]).get("level").asText()).isEqualTo("WARN");
        logger.detachAndStopAllAppenders();
    }

    private static String lineOf(String out, String option) {
        return out.lines().filter(l -> l.startsWith(option + " ")).findFirst().orElseThrow(() -> new AssertionError(option + " not in\n" + out)).strip();
    }
}
