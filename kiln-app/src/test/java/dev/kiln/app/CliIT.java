package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The client commands against a real server. */
class CliIT {
    @TempDir
    static Path dir;
    static KilnServer server;

    @BeforeAll
    static void start() {
        server = KilnServer.start(ServerConfig.defaults(dir.resolve("data")).withPort(0).withAgentCapacity(2), new EmbeddedAgentLauncher());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Run(int code, String out, String err) {}

    static Run kiln(String... args) {
        return run(server, dir.resolve("data"), args);
    }

    /** {@code kiln args…} against {@code server}, with the admin token from its {@code dataDir}; out and err captured. */
    static Run run(KilnServer server, Path dataDir, String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            var cli = Main.commandLine();
            cli.setOut(new java.io.PrintWriter(out, true));
            cli.setErr(new java.io.PrintWriter(err, true));
            // the client options go right after the (sub)command's name; the admin token is read from the data dir
            int words = args[0].equals("token") ? 2 : 1;
            var all = new java.util.ArrayList<>(java.util.List.of(args).subList(0, words));
            all.add("--server=" + server.baseUrl());
            all.add("--data-dir=" + dataDir);
            all.addAll(java.util.List.of(args).subList(words, args.length));
            return new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The arguments exactly as given, no server or data dir added. */
    static Run kilnAsIs(String... args) {
        var cli = Main.commandLine();
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void submitWithAnInputThenApplyAndPromoteFromTheCommandLine() throws Exception {
        Path csv = dir.resolve("rows.csv");
        java.nio.file.Files.writeString(csv, "a,b\n1,2\n");
        Run plan = kiln("submit", "--follow", "--name", "cli-plan", "--type", "plan", "--input", "in/rows.csv=" + csv,
                "--artifact", "plan.txt", "--apply", "cat plan.txt", "--", "wc -l < in/rows.csv > plan.txt && cat plan.txt");
        assertThat(plan.code()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("[agent] input in/rows.csv verified").contains("\n2\n");
        String planId = plan.err().lines().filter(l -> l.startsWith("job ")).findFirst().orElseThrow().substring(4).strip();

        Run apply = kiln("apply", "--agent", "embedded", planId);
        assertThat(apply.code()).as(apply.toString()).isZero();
        Run applied = kiln("logs", "--follow", apply.out().strip());
        assertThat(applied.code()).as(applied.toString()).isZero();
        assertThat(applied.out()).contains("input plan.txt verified").contains("\n2\n");
        Run twice = kiln("apply", planId);
        assertThat(twice.code()).isNotZero();
        assertThat(twice.err()).contains("was applied already");

        Run promote = kiln("promote", "--name", "cli-release", planId);
        assertThat(promote.code()).as(promote.toString()).isZero();
        assertThat(promote.out()).startsWith("cli-release 1  sha256:");
        Run releases = kiln("releases", "--name", "cli-release");
        assertThat(releases.out()).startsWith("cli-release").contains(" 1 ").contains("1 file(s)");
        Run missing = kiln("submit", "--input", dir.resolve("nothing.csv").toString(), "--", "true");
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("no such file");
    }

    @Test
    void pruneBackupAndRestoreFromTheCommandLine() throws Exception {
        Run done = kiln("submit", "--follow", "--name", "kept", "--", "echo in the backup");
        assertThat(done.code()).as(done.toString()).isZero();
        Run dry = kiln("prune", "--dry-run");
        assertThat(dry.code()).as(dry.toString()).isZero();
        assertThat(dry.out()).startsWith("would delete 0 job(s), the log of 0 job(s), 0 artifact(s)").contains("(estimated)");

        Path zip = dir.resolve("backup.zip");
        Run backup = kiln("backup", zip.toString());
        assertThat(backup.code()).as(backup.toString()).isZero();
        assertThat(backup.out()).startsWith("wrote " + zip);

        Path restored = dir.resolve("restored");
        Run restore = kilnAsIs("restore", zip.toString(), "--data-dir", restored.toString());
        assertThat(restore.code()).as(restore.toString()).isZero();
        assertThat(restore.out()).startsWith("restored ").contains("start it with: kiln server --data-dir " + restored);
        assertThat(restored.resolve("kiln.db")).exists();

        Run again = kilnAsIs("restore", zip.toString(), "--data-dir", restored.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).startsWith("kiln: " + restored + " is not empty").doesNotContain("Exception");
    }

    @Test
    void submitFollowPrintsTheLogAndExitsWithTheJobsCode() {
        Run r = kiln("submit", "--follow", "--name", "cli", "--", "echo hello; echo oops >&2; exit 3");
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        assertThat(r.out()).contains("hello");
        assertThat(r.err()).contains("oops").contains("job failed: exit code 3");
    }

    @Test
    void statusCancelAndListAQueuedJob() {
        Run submitted = kiln("submit", "--arch", "sparc", "--", "true");
        String id = submitted.out().strip();
        assertThat(kiln("status", id).out()).contains("no online agent has arch=sparc");
        assertThat(kiln("cancel", id).out().strip()).isEqualTo("cancelled");
        assertThat(kiln("jobs", "--status", "cancelled").out()).contains(id.substring(0, 8));
    }

    @Test
    void everyJobCommandTakesTheShortIdOrAPrefix() {
        Run submitted = kiln("submit", "--follow", "--name", "by prefix", "--", "echo by-prefix");
        assertThat(submitted.code()).as(submitted.toString()).isZero();
        String id = submitted.err().lines().filter(l -> l.startsWith("job ")).findFirst().orElseThrow().substring(4).strip();
        String shortId = kiln("jobs", "--limit", "1").out().split(" ")[0];
        assertThat(id).startsWith(shortId);
        assertThat(kiln("status", shortId).out()).startsWith("succeeded");
        assertThat(kiln("logs", id.substring(0, 6)).out()).contains("by-prefix");
        Run rerun = kiln("rerun", shortId.toUpperCase());
        assertThat(rerun.code()).as(rerun.toString()).isZero();
        assertThat(rerun.out().strip()).hasSize(36).isNotEqualTo(id);

        String queued = kiln("submit", "--arch", "sparc", "--", "true").out().strip();
        assertThat(kiln("cancel", queued.substring(0, 7)).out().strip()).isEqualTo("cancelled");

        Run tooShort = kiln("status", id.substring(0, 5));
        assertThat(tooShort.code()).isEqualTo(2);
        assertThat(tooShort.err()).startsWith("kiln: job id '" + id.substring(0, 5) + "' is too short: give at least 6 characters")
                .doesNotContain("Exception");
    }

    @Test
    void anAmbiguousPrefixNamesTheJobsItCouldMean() {
        var twins = java.util.List.of("fedcba01-0000-4000-8000-000000000001", "fedcba01-0000-4000-8000-000000000002");
        String template = kiln("submit", "--arch", "sparc", "--", "true").out().strip();
        var spec = server.store().job(template).orElseThrow().spec();
        var now = java.time.Instant.now();
        server.store().write(tx -> {
            twins.forEach(id -> tx.insertJob(dev.kiln.server.core.Job.newlySubmitted(id, spec, null, now)
                    .withStatus(dev.kiln.server.core.JobStatus.CANCELLED, now)));
            return null;
        }).join();
        Run r = kiln("logs", "fedcba01");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("kiln: job id 'fedcba01' is ambiguous: 2 jobs start with it (" + twins.get(0) + ", " + twins.get(1) + ")")
                .doesNotContain("Exception");
        kiln("cancel", template);
    }

    @Test
    void graphShowsTheGraphAndAnalyzesAPlan() {
        assertThat(kiln("graph").out()).contains("no build graph is loaded");
        server.graph().put("jobs:\n  clean:\n    outputs: [\"clean/{d}\"]\n    command: ./clean.sh {d}\n"
                + "  report:\n    outputs: [\"report/{d}\"]\n    inputs: [\"clean/{d}\"]\n    command: ./report.sh {d}\n    batch: 5\n");
        Run shown = kiln("graph");
        assertThat(shown.code()).as(shown.toString()).isZero();
        assertThat(shown.out()).contains("from the API").contains("report/{d}  (batch 5)").contains("clean → report  (clean/{d})");
        Run plan = kiln("graph", "--analyze", "report/1", "report/2");
        assertThat(plan.code()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains("3 jobs, 4 partitions to build").contains("report#1  after clean#1, clean#2")
                .contains("$ ./report.sh 1 2");
        Run bad = kiln("graph", "--analyze", "nothing/1");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("no job definition produces 'nothing/1'");
    }

    @Test
    void withoutATokenTheServerSaysHowToGetOne() {
        Run r = kilnAsIs("jobs", "--server=" + server.baseUrl(), "--data-dir=" + dir.resolve("nowhere"), "--token=");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("needs a token").contains("--token");
    }

    @Test
    void tokensAreCreatedListedAndRevoked() {
        Run created = kiln("token", "create", "--role", "viewer", "--name", "dashboard");
        assertThat(created.code()).as(created.toString()).isZero();
        String token = created.out().strip();
        assertThat(token).startsWith("kiln_");
        assertThat(server.tokens().verify(token)).isPresent();
        Run list = kiln("token", "list");
        assertThat(list.out()).contains("dashboard").doesNotContain(token);
        String id = list.out().lines().filter(l -> l.contains("dashboard")).findFirst().orElseThrow().split(" ")[0];
        assertThat(kiln("token", "revoke", id).code()).isZero();
        assertThat(server.tokens().verify(token)).isEmpty();
        assertThat(kiln("token", "create", "--role", "root", "--name", "x").err()).contains("role");
    }

    @Test
    void loginUrlPrintsAOneTimeCodeNeverTheToken() {
        Run r = kiln("login-url");
        assertThat(r.code()).as(r.toString()).isZero();
        String url = r.out().strip();
        assertThat(url).startsWith(server.baseUrl() + "/login#code=").doesNotContain(server.adminToken());
        String code = url.substring(url.indexOf("#code=") + 6);
        assertThat(server.signInCodes().redeem(code)).hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("admin"));
        assertThat(server.signInCodes().redeem(code)).as("a code works once").isEmpty();
    }

    @Test
    void errorsArePlainMessages() {
        Run r = kiln("status", "not-a-job");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("kiln: no job with id 'not-a-job'").doesNotContain("Exception");
        Run bad = kiln("submit", "--timeout", "-5", "--", "true");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("timeout_seconds");
        Run agent = kilnAsIs("agent", "--server=" + server.baseUrl(), "--work-dir=" + dir.resolve("agent"), "--keep-workspaces=-1");
        assertThat(agent.code()).isEqualTo(2);
        assertThat(agent.err()).contains("--keep-workspaces must be 0 or more").doesNotContain("Exception");
    }
}
