package dev.kiln.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.AgentMessage.FinishReason;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one attempt of a job: a fresh workspace, an optional git checkout, the command in its own session and
 * process group, stdout and stderr captured line by line, secrets masked, outputs and events forwarded, cancel and
 * timeout by SIGTERM to the whole tree, a grace period, then SIGKILL.
 */
final class JobRunner {
    static final int MAX_LINE_CHARS = 64 * 1024;
    private static final long OUTPUT_POLL_MS = 100;
    /**
     * Runs jobs on reused platform threads: starting a thread, or doing the workspace's file I/O and the spawn on a
     * virtual thread (whose carrier the JDK must compensate for), each cost the dispatch path ~1 ms in the benchmark.
     */
    private static final ExecutorService RUNNERS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("kiln-job-runner-", 1).factory());

    private final JobAssignment job;
    private final String agentId;
    private final Path workspace;
    private final Path outputFile;
    private final Path eventsFile;
    private final Consumer<AgentMessage> out;
    private final ScheduledExecutorService timer;
    private final Consumer<JobRunner> onDone;
    private final ArtifactUploader uploader;
    private final LogShipper shipper;
    private final SecretMasker masker;
    private final ProcessTree.Marker marker;
    private volatile Process process;
    private volatile FinishReason stopReason;
    private volatile AgentMessage.JobFinished finished;
    private final Object stopLock = new Object();
    /** Completes when the stop sequence (SIGTERM, grace, SIGKILL) has cleared the job's processes. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    JobRunner(JobAssignment job, String agentId, Path workDir, Consumer<AgentMessage> out,
              ScheduledExecutorService timer, Consumer<JobRunner> onDone, ArtifactUploader uploader) {
        this.uploader = uploader;
        this.job = job;
        this.agentId = agentId;
        this.workspace = workDir.resolve("workspaces").resolve(job.jobId() + "-" + job.attempt());
        // $KILN_OUTPUT and $KILN_EVENTS live outside the workspace, in one directory for all jobs, and are created by
        // the job when it first writes to them: no per-job directory or empty files to make before the spawn.
        Path control = workDir.resolve("control");
        this.outputFile = control.resolve(job.jobId() + "-" + job.attempt() + ".output");
        this.eventsFile = control.resolve(job.jobId() + "-" + job.attempt() + ".events");
        this.out = out;
        this.timer = timer;
        this.onDone = onDone;
        this.shipper = new LogShipper(job.jobId(), job.attempt(), out::accept, timer,
                workDir.resolve("spool").resolve(job.jobId() + "-" + job.attempt() + ".jsonl"));
        this.masker = new SecretMasker(job.secrets().values());
        this.marker = new ProcessTree.Marker(agentId, job.jobId());
    }

    String jobId() { return job.jobId(); }
    int attempt() { return job.attempt(); }
    LogShipper shipper() { return shipper; }
    AgentMessage.JobFinished finished() { return finished; }

    void start() {
        RUNNERS.execute(() -> {
            Thread self = Thread.currentThread();
            String poolName = self.getName();
            self.setName("job-" + job.jobId());
            try {
                run();
            } finally {
                self.setName(poolName);
            }
        });
    }

    /** Stop the job: SIGTERM to its tree, {@code graceSeconds}, then SIGKILL. Safe to call more than once. */
    void cancel(int graceSeconds) {
        stop(FinishReason.CANCELLED, Duration.ofSeconds(Math.max(0, graceSeconds)), "cancel requested");
    }

    private void stop(FinishReason reason, Duration grace, String why) {
        synchronized (stopLock) {
            if (stopReason != null) return;
            stopReason = reason;
        }
        Process p = process;
        if (p == null) { // not started yet: run() sees stopReason and does not start it
            stopped.complete(null);
            return;
        }
        Thread.ofVirtual().name("stop-" + job.jobId()).start(() -> {
            try {
                system(why + ": sending SIGTERM to process group " + p.pid() + " (grace " + grace.toSeconds() + " s)");
                ProcessTree.terminate(p.pid(), marker, grace, () -> system("grace period over: sending SIGKILL"));
            } finally {
                stopped.complete(null);
            }
        });
    }

    private void run() {
        FinishReason reason = FinishReason.EXITED;
        Integer exitCode = null, signal = null;
        String error = null;
        ScheduledFuture<?> timeout = null, tail = null;
        OutputTail outputs = null;
        try {
            prepareWorkspace();
            if (job.sourceRepository() != null) checkout();
            outputs = new OutputTail(outputFile, eventsFile);
            if (stopReason != null) throw new StartFailure("cancelled before it started");
            var pb = new ProcessBuilder("setsid", "bash", "-c", job.command()).directory(workspace.toFile());
            Map<String, String> env = pb.environment();
            env.putAll(job.env());
            env.putAll(job.secrets());
            env.put("KILN_JOB_ID", job.jobId());
            env.put("KILN_ATTEMPT", Integer.toString(job.attempt()));
            env.put("KILN_WORKSPACE", workspace.toString());
            env.put("KILN_OUTPUT", outputs.outputFile.toString());
            env.put("KILN_EVENTS", outputs.eventsFile.toString());
            env.put("KILN_AGENT_ID", agentId);
            system("starting: " + firstLine(job.command()));
            Process p;
            synchronized (stopLock) {
                if (stopReason != null) throw new StartFailure("cancelled before it started");
                p = pb.start();
                process = p;
            }
            out.accept(new AgentMessage.JobStarted(job.jobId(), job.attempt(), p.pid(), nowNs()));
            system("process started (pid " + p.pid() + ")");
            if (job.timeoutSeconds() > 0) {
                timeout = timer.schedule(() -> stop(FinishReason.TIMED_OUT, Duration.ofSeconds(job.cancelGraceSeconds()),
                        "timed out after " + job.timeoutSeconds() + " s"), job.timeoutSeconds(), TimeUnit.SECONDS);
            }
            final OutputTail tailer = outputs;
            tail = timer.scheduleWithFixedDelay(() -> tailer.poll(false), OUTPUT_POLL_MS, OUTPUT_POLL_MS, TimeUnit.MILLISECONDS);
            var readersDone = new CountDownLatch(2);
            startReader(p.getInputStream(), LogStream.STDOUT, readersDone);
            startReader(p.getErrorStream(), LogStream.STDERR, readersDone);
            p.getOutputStream().close();
            int code = p.waitFor();
            if (stopReason != null) {
                // The shell is gone, but its children get the same grace: a grandchild that traps SIGTERM to clean
                // up is given the time the job was promised before the stop sequence kills it.
                stopped.join(); // terminate() always returns: its SIGKILL rounds are bounded
            }
            // A child that daemonized may still hold the pipes: give the readers a moment, then clear the tree.
            if (!readersDone.await(200, TimeUnit.MILLISECONDS)) {
                ProcessTree.killNow(p.pid(), marker, () -> false);
                readersDone.await(2, TimeUnit.SECONDS);
            }
            if (stopReason != null) {
                reason = stopReason;
                // wait for the stop sequence to clear every process it found
                ProcessTree.killNow(p.pid(), marker, () -> false);
            }
            exitCode = code;
            if (code > 128 && stopReason != null) signal = code - 128;
            if (stopReason == null && !job.artifacts().isEmpty() && uploader != null) {
                var problems = uploader.upload(job.jobId(), job.attempt(), workspace, job.artifacts(), this::system);
                if (!problems.isEmpty() && code == 0) error = "artifact upload failed: " + problems.get(0);
            }
            if (reason == FinishReason.EXITED) system("exit code " + code);
            else if (reason == FinishReason.TIMED_OUT) {
                system("timed out after " + job.timeoutSeconds() + " s (exit code " + code + ")");
                error = "timed out after " + job.timeoutSeconds() + " s";
            } else {
                system("cancelled (exit code " + code + ")");
            }
        } catch (StartFailure e) {
            reason = stopReason != null ? stopReason : FinishReason.FAILED_TO_START;
            error = e.getMessage();
            system(e.getMessage());
        } catch (IOException e) {
            reason = FinishReason.FAILED_TO_START;
            error = "could not start the job: " + e.getMessage();
            system(error);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reason = FinishReason.CANCELLED;
            error = "the agent stopped";
        } finally {
            if (timeout != null) timeout.cancel(false);
            if (tail != null) tail.cancel(false);
            if (outputs != null) outputs.poll(true);
            deleteControlFiles();
        }
        long lastSeq = shipper.finish();
        finished = new AgentMessage.JobFinished(job.jobId(), job.attempt(), exitCode, signal, reason, error, lastSeq, nowNs());
        out.accept(finished);
        onDone.accept(this);
    }

    private void prepareWorkspace() throws StartFailure {
        try {
            Directories.deleteRecursively(workspace);
            deleteControlFiles(); // left by an earlier run of this very attempt, if any
            Files.createDirectories(workspace);
            Files.createDirectories(outputFile.getParent());
        } catch (IOException e) {
            throw new StartFailure("cannot prepare workspace " + workspace + ": " + e.getMessage());
        }
        system("workspace " + workspace);
    }

    private void deleteControlFiles() {
        try {
            Files.deleteIfExists(outputFile);
            Files.deleteIfExists(eventsFile);
        } catch (IOException e) {
            system("warning: could not delete " + outputFile.getParent() + " files of this job: " + e.getMessage());
        }
    }

    private void checkout() throws StartFailure, InterruptedException {
        String repo = job.sourceRepository();
        var clone = new ArrayList<>(List.of("git", "clone", "--quiet"));
        if (job.branch() != null) clone.add("--branch=" + job.branch());
        clone.add("--");
        clone.add(repo);
        clone.add(".");
        system("checkout: " + repo + (job.branch() != null ? " branch " + job.branch() : "")
                + (job.commitHash() != null ? " commit " + job.commitHash() : ""));
        if (git(clone) != 0) {
            String what = job.branch() != null ? "branch '" + job.branch() + "' not found in " + repo + ", or the repository cannot be read"
                    : "cannot clone " + repo;
            throw new StartFailure("checkout failed: " + what);
        }
        String commit = job.commitHash();
        if (commit != null && !commit.equals("HEAD")) {
            if (git(List.of("git", "-c", "advice.detachedHead=false", "checkout", "--quiet", commit, "--")) != 0) {
                throw new StartFailure("checkout failed: commit '" + commit + "' not found in " + repo
                        + (job.branch() != null ? " (branch " + job.branch() + ")" : ""));
            }
        }
        var sha = new StringBuilder();
        try {
            Process p = gitProcess(List.of("git", "rev-parse", "HEAD")).start();
            sha.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            p.waitFor();
        } catch (IOException e) {
            sha.append("?");
        }
        system("checked out commit " + sha);
    }

    private int git(List<String> cmd) throws StartFailure, InterruptedException {
        try {
            Process p = gitProcess(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (var reader = new java.io.BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) system("git: " + line);
            }
            return p.waitFor();
        } catch (IOException e) {
            throw new StartFailure("checkout failed: cannot run git (" + e.getMessage() + "); is git installed on this agent?");
        }
    }

    private ProcessBuilder gitProcess(List<String> cmd) {
        var pb = new ProcessBuilder(cmd).directory(workspace.toFile());
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("GIT_ASKPASS", "true");
        pb.environment().put("LC_ALL", "C");
        return pb;
    }

    private void startReader(InputStream in, LogStream stream, CountDownLatch done) {
        Thread t = new Thread(() -> {
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                var line = new StringBuilder(128);
                char[] buf = new char[8192];
                int n;
                while ((n = reader.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        char c = buf[i];
                        if (c == '\n') {
                            emit(stream, line);
                        } else {
                            line.append(c);
                            if (line.length() >= MAX_LINE_CHARS) emit(stream, line);
                        }
                    }
                }
                if (!line.isEmpty()) emit(stream, line);
            } catch (IOException e) {
                // the pipe closed under us (the tree was killed): what was read is kept
            } finally {
                done.countDown();
            }
        }, "job-" + stream.name().toLowerCase() + "-" + job.jobId().substring(0, 8));
        t.setDaemon(true);
        t.start();
    }

    private void emit(LogStream stream, StringBuilder line) {
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') line.setLength(len - 1);
        shipper.add(new LogLine(nowNs(), stream, masker.mask(line.toString())));
        line.setLength(0);
    }

    void system(String text) {
        shipper.add(new LogLine(nowNs(), LogStream.SYSTEM, masker.mask("[agent] " + text)));
    }

    static long nowNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static String firstLine(String command) {
        String first = command.strip().lines().findFirst().orElse("");
        boolean more = command.strip().lines().count() > 1;
        return (first.length() > 200 ? first.substring(0, 200) + "…" : first) + (more ? " …" : "");
    }

    /** The attempt could not start: the message says why, for the log and the job's error. */
    private static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message);
        }
    }

    /** Reads what the job appends to $KILN_OUTPUT and $KILN_EVENTS, complete lines only, and forwards them. */
    private final class OutputTail {
        final Path outputFile;
        final Path eventsFile;
        private long outputPos, eventsPos;
        private final StringBuilder outputPartial = new StringBuilder(), eventsPartial = new StringBuilder();

        OutputTail(Path outputFile, Path eventsFile) {
            this.outputFile = outputFile;
            this.eventsFile = eventsFile;
        }

        synchronized void poll(boolean last) {
            outputPos = read(outputFile, outputPos, outputPartial, last, this::output);
            eventsPos = read(eventsFile, eventsPos, eventsPartial, last, this::event);
        }

        private long read(Path file, long pos, StringBuilder partial, boolean last, Consumer<String> sink) {
            if (!Files.exists(file)) return pos; // the common case: the job writes no outputs or events
            try (var f = new RandomAccessFile(file.toFile(), "r")) {
                long len = f.length();
                if (len > pos) {
                    byte[] bytes = new byte[(int) Math.min(len - pos, 4 * 1024 * 1024)];
                    f.seek(pos);
                    f.readFully(bytes);
                    pos += bytes.length;
                    partial.append(new String(bytes, StandardCharsets.UTF_8));
                    int nl;
                    while ((nl = partial.indexOf("\n")) >= 0) {
                        String line = partial.substring(0, nl);
                        partial.delete(0, nl + 1);
                        if (!line.isBlank()) sink.accept(line);
                    }
                }
                if (last && !partial.isEmpty()) {
                    String line = partial.toString();
                    partial.setLength(0);
                    if (!line.isBlank()) sink.accept(line);
                }
            } catch (IOException e) {
                // not written yet (the job creates it), or removed by the job: nothing to forward
            }
            return pos;
        }

        private void output(String line) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                system("warning: ignored malformed line in KILN_OUTPUT (want key=value): " + abbreviate(line));
                return;
            }
            out.accept(new AgentMessage.JobOutput(job.jobId(), job.attempt(), line.substring(0, eq).strip(),
                    masker.mask(line.substring(eq + 1))));
        }

        private void event(String line) {
            try {
                JsonNode node = Json.MAPPER.readTree(line);
                if (node == null || !node.isObject() || !node.path("kind").isTextual() || node.get("kind").asText().isBlank()) {
                    system("warning: ignored line in KILN_EVENTS without a string \"kind\": " + abbreviate(line));
                    return;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> data = Json.MAPPER.convertValue(node, Map.class);
                out.accept(new AgentMessage.JobEvent(job.jobId(), job.attempt(), node.get("kind").asText(), data, nowNs()));
            } catch (IOException | IllegalArgumentException e) {
                system("warning: ignored malformed line in KILN_EVENTS (not JSON): " + abbreviate(line));
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
