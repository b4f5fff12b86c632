package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.protocol.ServerMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JobRunner driven directly, with a collecting sink instead of a server. */
class JobRunnerTest {
    @TempDir
    Path dir;
    final List<AgentMessage> sent = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
    final ExecutorService runners = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        timer.shutdownNow();
        runners.shutdownNow();
    }

    JobRunner run(String command, Map<String, String> secrets, long timeout) {
        return run(new JobAssignment("job-" + System.nanoTime(), 1, command, null, null, null, Map.of("GREETING", "hi"),
                secrets, timeout, 1, List.of()));
    }

    JobRunner run(JobAssignment job) {
        var services = new RunnerServices("agent-test-" + ProcessHandle.current().pid(), dir, sent::add, timer, runners, null);
        var runner = new JobRunner(job, services, r -> { });
        runner.start();
        return runner;
    }

    AgentMessage.JobFinished finished(JobRunner r, Duration within) {
        await().atMost(within).until(() -> r.finished() != null);
        return r.finished();
    }

    List<LogLine> lines() {
        var lines = new ArrayList<LogLine>();
        long seq = 0;
        for (var m : sent) {
            if (m instanceof AgentMessage.Log log) {
                assertThat(log.seq()).isEqualTo(seq + 1);
                seq = log.seq();
                lines.addAll(log.lines());
            }
        }
        return lines;
    }

    List<String> texts(LogStream stream) {
        return lines().stream().filter(l -> l.stream() == stream).map(LogLine::text).toList();
    }

    JobRunner service(String command, JobAssignment.ReadyWhen ready) {
        return run(new JobAssignment("job-" + System.nanoTime(), 1, command, null, null, null, Map.of(), Map.of(), 0, 1,
                List.of(), ready));
    }

    List<AgentMessage.JobReady> readies() {
        return sent.stream().filter(m -> m instanceof AgentMessage.JobReady).map(m -> (AgentMessage.JobReady) m).toList();
    }

    @Test
    void aServiceIsReadyOnceALineMatchesAfterItStartedAndOnlyOnce() {
        var r = service("echo booting; sleep 0.3; echo 'listening on :8080'; echo 'listening on :8081'; sleep 600",
                new JobAssignment.ReadyWhen("listening on :\\d+", null));
        await().atMost(Duration.ofSeconds(10)).until(() -> !readies().isEmpty());
        var ready = readies().get(0);
        assertThat(ready.jobId()).isEqualTo(r.jobId());
        assertThat(ready.how()).isEqualTo("a line of output matched /listening on :\\d+/");
        int started = sent.indexOf(sent.stream().filter(m -> m instanceof AgentMessage.JobStarted).findFirst().orElseThrow());
        assertThat(sent.indexOf(ready)).as("ready is reported after started").isGreaterThan(started);
        r.cancel(0);
        finished(r, Duration.ofSeconds(10));
        assertThat(readies()).as("a second matching line changes nothing").hasSize(1);
        assertThat(texts(LogStream.SYSTEM)).anySatisfy(t -> assertThat(t).startsWith("[agent] ready: a line of output matched"));
    }

    @Test
    void aServiceIsReadyWhenItsPortAcceptsConnectionsAndNeverIfItEndsFirst() throws Exception {
        int port;
        try (var probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        // python3 is not guaranteed: bash's own /dev/tcp cannot listen, so a JDK's jwebserver stands in as the server
        String java = Path.of(System.getProperty("java.home"), "bin", "jwebserver").toString();
        var r = service("sleep 0.5; exec " + java + " -b 127.0.0.1 -p " + port + " -d " + dir, new JobAssignment.ReadyWhen(null, port));
        await().atMost(Duration.ofSeconds(20)).until(() -> !readies().isEmpty());
        assertThat(readies().get(0).how()).isEqualTo("port " + port + " accepts connections");
        r.cancel(1);
        finished(r, Duration.ofSeconds(10));

        sent.clear();
        var never = service("exit 3", new JobAssignment.ReadyWhen(null, port));
        assertThat(finished(never, Duration.ofSeconds(10)).exitCode()).isEqualTo(3);
        assertThat(readies()).isEmpty();
    }

    @Test
    void anOrdinaryJobThrowsNoExceptionOnItsWay() throws Exception {
        // Exceptions are costly (a stack trace each): absent control files, the existing control directory and a
        // spool that never spilled are the normal case, found out without one. The first job makes the directories.
        finished(run("true", Map.of(), 0), Duration.ofSeconds(30));
        Path file = dir.resolve("exceptions.jfr");
        try (var recording = new Recording()) {
            recording.enable("jdk.JavaExceptionThrow").withStackTrace();
            recording.start();
            var held = new HeldJobs();
            JobRunner runner = run("echo out; echo err >&2", Map.of(), 0);
            held.add(runner);
            var finish = finished(runner, Duration.ofSeconds(30));
            held.ack(new ServerMessage.Ack(runner.jobId(), 1, finish.lastSeq()));
            assertThat(held.isEmpty()).isTrue(); // let go: its spool is closed
            recording.stop();
            recording.dump(file);
        }
        var thrownByTheAgent = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getStackTrace() != null && e.getStackTrace().getFrames().stream()
                        .anyMatch(f -> f.getMethod().getType().getName().startsWith("dev.kiln.agent.")
                                && !f.getMethod().getType().getName().endsWith("Test")))
                .map(e -> e.getClass("thrownClass").getName() + " " + e.getStackTrace().getFrames().stream()
                        .limit(12).map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName()).toList())
                .toList();
        assertThat(thrownByTheAgent).isEmpty();
    }

    @Test
    void capturesStdoutStderrAndExitCode() {
        var f = finished(run("echo $GREETING; echo err >&2; echo two; exit 7", Map.of(), 0), Duration.ofSeconds(10));
        assertThat(f.reason()).isEqualTo(AgentMessage.FinishReason.EXITED);
        assertThat(f.exitCode()).isEqualTo(7);
        assertThat(texts(LogStream.STDOUT)).containsExactly("hi", "two");
        assertThat(texts(LogStream.STDERR)).containsExactly("err");
        assertThat(texts(LogStream.SYSTEM)).anySatisfy(t -> assertThat(t).contains("exit code 7"));
        assertThat(sent).anySatisfy(m -> assertThat(m).isInstanceOf(AgentMessage.JobStarted.class));
        assertThat(f.lastSeq()).isEqualTo(sent.stream().filter(m -> m instanceof AgentMessage.Log).count());
    }

    @Test
    void masksSecretsEverywhere() {
        finished(run("echo $TOKEN; echo \"x$TOKEN\" >&2", Map.of("TOKEN", "s3cr3t-value"), 0), Duration.ofSeconds(10));
        assertThat(lines()).noneSatisfy(l -> assertThat(l.text()).contains("s3cr3t-value"));
        assertThat(texts(LogStream.STDOUT)).containsExactly("***");
        assertThat(texts(LogStream.STDERR)).containsExactly("x***");
    }

    @Test
    void aHundredThousandLinesArriveInOrder() {
        var f = finished(run("seq 1 100000", Map.of(), 0), Duration.ofSeconds(30));
        assertThat(f.exitCode()).isZero();
        var out = texts(LogStream.STDOUT);
        assertThat(out).hasSize(100_000);
        for (int i = 0; i < out.size(); i++) assertThat(out.get(i)).isEqualTo(Integer.toString(i + 1));
    }

    @Test
    void timeoutKillsTheTree() {
        // the tree would live 30 s; how soon after its timeout it is gone is a figure: kiln-bench --scenario timeout
        var f = finished(run("trap '' TERM; sleep 30 & sleep 30", Map.of(), 1), Duration.ofSeconds(10));
        assertThat(f.reason()).isEqualTo(AgentMessage.FinishReason.TIMED_OUT);
    }

    @Test
    void cancelStopsTheJobAndReportsTheSignal() {
        var r = run("sleep 60", Map.of(), 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.stream().anyMatch(m -> m instanceof AgentMessage.JobStarted));
        r.cancel(5);
        r.cancel(0); // a second cancel changes nothing
        var f = finished(r, Duration.ofSeconds(30));
        assertThat(f.reason()).isEqualTo(AgentMessage.FinishReason.CANCELLED);
        assertThat(f.exitCode()).isEqualTo(143);
        assertThat(f.signal()).isEqualTo(15);
        assertThat(f.error()).isNull();
        assertThat(texts(LogStream.SYSTEM))
                .anySatisfy(t -> assertThat(t).contains("cancel requested: sending SIGTERM").contains("(grace 5 s)"))
                .anySatisfy(t -> assertThat(t).contains("cancelled (exit code 143)"))
                .noneSatisfy(t -> assertThat(t).contains("SIGKILL"));
    }

    @Test
    void outputsAndEventsAreForwardedAndMalformedLinesWarn() {
        finished(run("echo version=1.2 >> $KILN_OUTPUT; echo 'nokey' >> $KILN_OUTPUT; "
                + "echo '{\"kind\":\"model.fitted\",\"duration_ms\":850}' >> $KILN_EVENTS; echo 'not json' >> $KILN_EVENTS",
                Map.of(), 0), Duration.ofSeconds(10));
        assertThat(sent).anySatisfy(m -> {
            assertThat(m).isInstanceOf(AgentMessage.JobOutput.class);
            assertThat(((AgentMessage.JobOutput) m).key()).isEqualTo("version");
            assertThat(((AgentMessage.JobOutput) m).value()).isEqualTo("1.2");
        });
        assertThat(sent).anySatisfy(m -> {
            assertThat(m).isInstanceOf(AgentMessage.JobEvent.class);
            assertThat(((AgentMessage.JobEvent) m).kind()).isEqualTo("model.fitted");
            assertThat(((AgentMessage.JobEvent) m).data()).containsEntry("duration_ms", 850);
        });
        assertThat(texts(LogStream.SYSTEM)).anySatisfy(t -> assertThat(t).contains("malformed line in KILN_OUTPUT"));
        assertThat(texts(LogStream.SYSTEM)).anySatisfy(t -> assertThat(t).contains("malformed line in KILN_EVENTS"));
        assertThat(dir.resolve("control")).as("the control files are removed once read to the end").isEmptyDirectory();
    }

    @Test
    void anOutputWrittenInTheLastInstantIsStillForwarded() {
        // the job creates $KILN_OUTPUT itself, after the agent's first polls found nothing, and exits at once
        finished(run("sleep 0.3; printf 'last=yes' > $KILN_OUTPUT", Map.of(), 0), Duration.ofSeconds(10));
        assertThat(sent).anySatisfy(m -> {
            assertThat(m).isInstanceOf(AgentMessage.JobOutput.class);
            assertThat(((AgentMessage.JobOutput) m).key()).isEqualTo("last");
        });
    }

    @Test
    void aMissingCommandBinaryIsAFailureNotACrash() throws Exception {
        var f = finished(run("/no/such/binary", Map.of(), 0), Duration.ofSeconds(10));
        assertThat(f.exitCode()).isEqualTo(127);
        assertThat(texts(LogStream.STDERR)).anySatisfy(t -> assertThat(t).contains("/no/such/binary"));
        assertThat(Files.exists(dir.resolve("workspaces"))).isTrue();
    }

    @Test
    void anAssignmentWithoutACommandEndsAsFailedToStart() {
        for (String command : new String[] {null, "  "}) {
            AgentMessage.JobFinished f = finished(run(command, Map.of(), 0), Duration.ofSeconds(20));
            assertThat(f.reason()).as(String.valueOf(command)).isEqualTo(AgentMessage.FinishReason.FAILED_TO_START);
            assertThat(f.error()).contains("no command");
        }
    }

    /** A git repository holding {@code files} (path → content; a path ending in "build" under .kiln is executable). */
    Path repo(Map<String, String> files) throws Exception {
        Path repo = Files.createTempDirectory(dir, "repo");
        for (var f : files.entrySet()) {
            Path file = repo.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue());
            if (f.getKey().equals(BuildDefinition.SCRIPT)) assertThat(file.toFile().setExecutable(true)).isTrue();
        }
        for (var cmd : List.of(List.of("git", "init", "-q", "-b", "main"), List.of("git", "add", "-A"),
                List.of("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "c"))) {
            var p = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
        }
        return repo;
    }

    JobRunner runOwnBuild(Path repo) {
        return run(new JobAssignment("job-" + System.nanoTime(), 1, null, "file://" + repo, "main", "HEAD", Map.of(),
                Map.of(), 0, 1, List.of()));
    }

    @Test
    void withoutACommandTheRepositorysKilnBuildScriptRunsInTheCheckout() throws Exception {
        Path repo = repo(Map.of(BuildDefinition.SCRIPT, "#!/bin/sh\ntest \"$PWD\" = \"$KILN_WORKSPACE\" && echo \"built in the checkout by .kiln/build\"\n"));
        var f = finished(runOwnBuild(repo), Duration.ofSeconds(30));
        assertThat(f.reason()).isEqualTo(AgentMessage.FinishReason.EXITED);
        assertThat(f.exitCode()).isZero();
        assertThat(texts(LogStream.STDOUT)).containsExactly("built in the checkout by .kiln/build");
        assertThat(texts(LogStream.SYSTEM)).contains("[agent] build definition: .kiln/build", "[agent] starting: ./.kiln/build");
    }

    @Test
    void withoutACommandTheBuildJobOfKilnYamlRuns() throws Exception {
        Path repo = repo(Map.of("kiln.yaml", "version: 1\njobs:\n  build:\n    command: echo \"yaml build $KILN_ATTEMPT\"; exit 3\n"));
        var f = finished(runOwnBuild(repo), Duration.ofSeconds(30));
        assertThat(f.exitCode()).isEqualTo(3);
        assertThat(texts(LogStream.STDOUT)).containsExactly("yaml build 1");
    }

    @Test
    void withoutACommandOrABuildDefinitionTheAttemptFailsToStartSayingWhatToAdd() throws Exception {
        Path repo = repo(Map.of("README", "nothing to build\n"));
        String head = new String(new ProcessBuilder("git", "rev-parse", "HEAD").directory(repo.toFile()).start()
                .getInputStream().readAllBytes()).strip();
        var f = finished(runOwnBuild(repo), Duration.ofSeconds(30));
        String expected = "no build definition in file://" + repo + "@" + head
                + ": add .kiln/build or a kiln.yaml with a `build` job";
        assertThat(f.reason()).isEqualTo(AgentMessage.FinishReason.FAILED_TO_START);
        assertThat(f.error()).isEqualTo(expected);
        assertThat(texts(LogStream.SYSTEM)).contains("[agent] " + expected);
        assertThat(sent).noneSatisfy(m -> assertThat(m).isInstanceOf(AgentMessage.JobStarted.class));
    }
}
