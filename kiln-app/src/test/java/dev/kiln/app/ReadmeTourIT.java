package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's tour works as written: every fenced block right after a line {@code <!-- tour -->} is taken, in the
 * README's order, as one bash script and run against a real server; a command that fails fails the test.
 *
 * <p>What the test does to the README's text, and nothing more:
 * <ul>
 *   <li>{@code ./kiln server &} is left out: the test's own server already runs, as that command would start it, in
 *       the script's directory with its data in {@code ./kiln-data} (admin token in {@code kiln-data/admin-token}),
 *       with its embedded agent — only on a free port instead of 8080;</li>
 *   <li>{@code http://127.0.0.1:8080} becomes that server's address (the CLI finds it through {@code $KILN_SERVER},
 *       as the README says), and {@code /tmp/demo} a directory of this test's own;</li>
 *   <li>{@code <the id>} and {@code <its id>} become the short id {@code ./kiln jobs} prints first (the job just
 *       submitted), {@code <id>} its first 6 characters — so every job command also proves that prefixes work —
 *       and {@code <session id>} a session the test started beforehand by signing in, as a browser does;</li>
 *   <li>{@code <build id>} becomes the id {@code ./kiln builds} prints first (the newest build);</li>
 *   <li>the repository's {@code examples/} folder is copied into that directory, as if the tour ran at the root of a
 *       checkout (the build graph's scripts write their files next to them, in the copy);</li>
 *   <li>{@code ./kiln} is a script in that directory running the real CLI ({@code dev.kiln.app.Main}) on the test's
 *       class path, so the test does not depend on a jar the {@code ./kiln} wrapper would build;</li>
 *   <li>the script runs with {@code set -euo pipefail}, and {@code curl} (under the README's alias) is a function
 *       adding {@code --fail-with-body}, so an HTTP error fails it too; {@code /api/v1/stream} (with or without {@code ?since=}), which never ends,
 *       is stopped after 3 seconds, as a person would press Ctrl-C.</li>
 * </ul>
 */
class ReadmeTourIT {
    static final String MARK = "<!-- tour -->";
    static final Pattern PLACEHOLDER = Pattern.compile("<[a-z][a-z ]*>");

    @TempDir
    Path dir;
    KilnServer server;

    @BeforeEach
    void start() {
        server = KilnServer.start(ServerConfig.defaults(dir.resolve("kiln-data")).withPort(0).withAgentCapacity(4),
                new EmbeddedAgentLauncher());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyTourCommandOfTheReadmeWorksAsWritten() throws Exception {
        List<String> blocks = tourBlocks(Files.readString(readme()));
        assertThat(blocks).as("blocks marked " + MARK).hasSizeGreaterThanOrEqualTo(5);
        String script = substitute(String.join("\n", blocks));
        assertThat(PLACEHOLDER.matcher(script).find()).as("a placeholder the test does not fill in:\n" + script).isFalse();
        assertThat(script).as("every address is the test server's").doesNotContain(":8080");
        writeKilnScript();
        copyExamples();

        var bash = new ProcessBuilder("bash", "-c", PRELUDE + script).directory(dir.toFile()).redirectErrorStream(true);
        bash.environment().put("KILN_SERVER", server.baseUrl());
        bash.environment().remove("KILN_TOKEN");
        Process p = bash.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        System.out.println(out); // the trace (set -x), in the test's report
        assertThat(p.exitValue()).as("the tour failed; its trace:\n" + out).isZero();

        // the commands did what the README says they do
        assertThat(out).as(out).contains("hello", "event: end", "\"name\":\"slow\"", "\"rerun_of\":",
                "built on", "\"kind\":\"model.fitted\"", "\"duration_ms\":850", "\"name\":\"leaderboard\"",
                "\"outputs\":{\"auc\":\"0.94\"}", "no online agent", "/login#code=", "event: job.queued",
                "build completed", "2026-W45 days=7 events=143 total=6346", "delegated to build", "event: partition.status");
    }

    /** The fenced blocks right after a {@value #MARK} line, in order; a mark not followed by a block is an error. */
    static List<String> tourBlocks(String markdown) {
        var blocks = new ArrayList<String>();
        List<String> lines = markdown.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals(MARK)) continue;
            if (i + 1 >= lines.size() || !lines.get(i + 1).startsWith("```")) {
                throw new AssertionError("README line " + (i + 1) + ": " + MARK + " must be followed by a fenced block");
            }
            var block = new StringBuilder();
            int j = i + 2;
            for (; j < lines.size() && !lines.get(j).startsWith("```"); j++) block.append(lines.get(j)).append('\n');
            blocks.add(block.toString());
            i = j;
        }
        return blocks;
    }

    /** The README's text with the substitutions this class's comment lists. */
    String substitute(String script) {
        return script.lines().filter(l -> !l.startsWith("./kiln server &")).collect(Collectors.joining("\n", "", "\n"))
                .replace("http://127.0.0.1:8080", server.baseUrl())
                .replace("/tmp/demo", dir.resolve("demo").toString())
                .replace("<the id>", "$(newest_job)")
                .replace("<its id>", "$(newest_job)")
                .replace("<id>", "$(newest_job | cut -c1-6)")
                .replace("<build id>", "$(./kiln builds --limit 1 | head -1 | cut -d' ' -f1)")
                .replace("<session id>", signIn());
    }

    static final String PRELUDE = """
            set -euo pipefail
            shopt -s expand_aliases
            set -x
            newest_job() { ./kiln jobs --limit 1 | cut -d' ' -f1; }
            curl() {
              case " $* " in
                *"/api/v1/stream "*|*"/api/v1/stream?"*) command curl --fail-with-body --max-time 3 "$@" || [ $? -eq 28 ] ;;
                *) command curl --fail-with-body --max-time 120 "$@" ;;
              esac
            }
            """;

    /** {@code ./kiln}: the real CLI on this test's class path. */
    void writeKilnScript() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path kiln = dir.resolve("kiln");
        Files.writeString(kiln, "#!/usr/bin/env bash\nexec '" + java + "' -XX:TieredStopAtLevel=1 -cp '"
                + System.getProperty("java.class.path") + "' dev.kiln.app.Main \"$@\"\n");
        Files.setPosixFilePermissions(kiln, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** The repository's examples, copied with their files' modes (the scripts are executable). */
    void copyExamples() throws IOException {
        Path from = readme().resolveSibling("examples");
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path to = dir.resolve("examples").resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** Starts a session as the dashboard's sign-in does; returns its id (what GET /api/v1/sessions lists). */
    String signIn() {
        try {
            var http = HttpClient.newHttpClient();
            var json = new ObjectMapper();
            var body = json.writeValueAsString(java.util.Map.of("token", server.adminToken()));
            var signIn = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/session"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(204);
            var list = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/sessions"))
                    .header("Authorization", "Bearer " + server.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
            return json.readTree(list.body()).get("sessions").get(0).get("id").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** README.md at the root of the repository (the tests run in kiln-app). */
    static Path readme() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("README.md")) && Files.isDirectory(d.resolve("kiln-app"))) return d.resolve("README.md");
        }
        throw new AssertionError("README.md not found above " + Path.of("").toAbsolutePath());
    }
}
