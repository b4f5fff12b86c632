package dev.kiln.agent;

import dev.kiln.protocol.SecretMasker;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.AgentMessage.FinishReason;
import dev.kiln.protocol.JobAssignment;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one attempt of a job, in order: a fresh workspace, an optional git checkout, the command in its own session
 * and process group, its output captured and its control files followed, then artifacts uploaded and the finish
 * reported. Cancel and timeout go through the job's {@link StopSequence}.
 */
final class JobRunner {
    private final JobAssignment job;
    private final RunnerServices services;
    private final Consumer<JobRunner> onDone;
    private final JobPaths paths;
    private final LogShipper shipper;
    private final JobLog log;
    private final StopSequence stop;
    private final ReadinessProbe ready;
    private volatile AgentMessage.JobFinished finished;

    /** {@code onDone} runs on the job's thread once its finish is sent. */
    JobRunner(JobAssignment job, RunnerServices services, Consumer<JobRunner> onDone) {
        this.job = job;
        this.services = services;
        this.onDone = onDone;
        this.paths = JobPaths.of(services.workDir(), job.jobId(), job.attempt());
        this.shipper = new LogShipper(job.jobId(), job.attempt(), services.out()::accept, services.timer(), paths.spoolFile());
        this.log = new JobLog(shipper::add, new SecretMasker(job.secrets().values()));
        this.stop = new StopSequence(ProcessLauncher.marker(job, services.agentId()), log::system, job.jobId());
        this.ready = new ReadinessProbe(job.readyWhen(), how -> {
            log.system("ready: " + how);
            services.out().accept(new AgentMessage.JobReady(job.jobId(), job.attempt(), how, Timestamps.nowNs()));
        });
    }

    String jobId() { return job.jobId(); }
    int attempt() { return job.attempt(); }
    /** The name of this attempt's workspace directory ({@link JobPaths#attemptName}). */
    String workspaceName() { return paths.name(); }
    LogShipper shipper() { return shipper; }
    /** The finish as sent to the server; null while the job runs. */
    AgentMessage.JobFinished finished() { return finished; }

    void start() {
        services.runners().execute(NamedTask.named("job-" + job.jobId(), this::run));
    }

    /** Stop the job: SIGTERM to its tree, {@code graceSeconds}, then SIGKILL. Safe to call more than once. */
    void cancel(int graceSeconds) {
        stop.stop(FinishReason.CANCELLED, Duration.ofSeconds(Math.max(0, graceSeconds)), "cancel requested");
    }

    /** How the attempt ended, as the finish reports it. */
    private record Outcome(FinishReason reason, Integer exitCode, Integer signal, String error) {
        static Outcome failedToStart(String error) {
            return new Outcome(FinishReason.FAILED_TO_START, null, null, error);
        }
    }

    private void run() {
        Outcome outcome;
        ControlFileTail control = null;
        ScheduledFuture<?> timeout = null;
        try {
            // defence in depth: the server validates every job, but an assignment it cannot run must end as
            // failed_to_start here, never leave the attempt without a finish
            boolean ownBuild = job.command() == null && job.sourceRepository() != null;
            if (!ownBuild && (job.command() == null || job.command().isBlank())) throw new StartFailure("the assignment has no command to run");
            WorkspacePreparation.prepare(paths, log);
            String commit = job.sourceRepository() != null ? new GitCheckout(job, paths.workspace(), log).run() : null;
            placeInputs();
            // no command: the repository's own build definition, found in the checkout
            String command = ownBuild
                    ? BuildDefinition.command(paths.workspace(), job.sourceRepository() + "@" + commit, log) : job.command();
            control = new ControlFileTail(job, paths, services.out(), log);
            stop.throwIfStopped();
            log.system("starting: " + ProcessLauncher.summary(command));
            Process p = stop.start(ProcessLauncher.builder(job, command, services.agentId(), paths));
            services.queue().accept(new AgentMessage.JobStarted(job.jobId(), job.attempt(), p.pid(), Timestamps.nowNs(), commit));
            log.system("process started (pid " + p.pid() + ")");
            timeout = scheduleTimeout();
            control.start(services.timer());
            ready.watchPort(services.runners(), "job-" + job.jobId() + "-ready");
            var capture = new OutputCapture((stream, text) -> {
                log.line(stream, text);
                ready.line(text);
            }, log.masker());
            capture.start(p, services.runners(), "job-" + job.jobId());
            p.getOutputStream().close();
            // the started goes out from here, once the job's readers and timeout run: a slow socket delays no part of it
            services.sendQueued().run();
            int code = p.waitFor();
            stop.awaitCleared();
            // A child that daemonized may still hold the pipes: give the readers a moment, then clear the tree.
            if (!capture.awaitEnd(Duration.ofMillis(200))) {
                stop.killRemaining();
                capture.awaitEnd(Duration.ofSeconds(2));
            }
            if (stop.reason() != null) stop.killRemaining(); // whatever the stop sequence did not find in time
            outcome = ended(code);
        } catch (StartFailure e) {
            FinishReason stopped = stop.reason();
            outcome = new Outcome(stopped != null ? stopped : FinishReason.FAILED_TO_START, null, null, e.getMessage());
            log.system(e.getMessage());
        } catch (IOException e) {
            outcome = Outcome.failedToStart("could not start the job: " + e.getMessage());
            log.system(outcome.error());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = new Outcome(FinishReason.CANCELLED, null, null, "the agent stopped");
        } catch (RuntimeException e) {
            // an assignment this agent cannot handle still gets its finish, so its slot on the server is freed
            outcome = Outcome.failedToStart("the agent could not run this assignment: " + e);
            log.system(outcome.error());
        } finally {
            ready.close();
            if (timeout != null) timeout.cancel(false);
            if (control != null) control.finish();
            WorkspacePreparation.deleteControlFiles(paths, log);
        }
        // the last chunk is queued (under the shipper's lock, in seq order) and goes out with the finish, from here
        long lastSeq = shipper.finish(services.queue()::accept);
        finished = new AgentMessage.JobFinished(job.jobId(), job.attempt(), outcome.exitCode(), outcome.signal(),
                outcome.reason(), log.mask(outcome.error()), lastSeq, Timestamps.nowNs());
        services.queue().accept(finished);
        services.sendQueued().run();
        onDone.accept(this);
    }

    /** The assignment's input files, downloaded and verified, before the command (after the checkout, which wants an empty dir). */
    private void placeInputs() throws StartFailure, InterruptedException {
        if (job.inputs().isEmpty()) return;
        if (services.downloader() == null) throw new StartFailure("this agent cannot download input files");
        services.downloader().download(job.inputs(), paths.workspace(), log);
    }

    private ScheduledFuture<?> scheduleTimeout() {
        long seconds = job.timeoutSeconds();
        if (seconds <= 0) return null;
        return services.timer().schedule(() -> stop.stop(FinishReason.TIMED_OUT,
                Duration.ofSeconds(job.cancelGraceSeconds()), "timed out after " + seconds + " s"), seconds, TimeUnit.SECONDS);
    }

    /** The process exited with {@code code}: says so in the log, uploads artifacts unless the job was stopped. */
    private Outcome ended(int code) throws InterruptedException {
        FinishReason stopped = stop.reason();
        if (stopped == null) {
            String error = uploadArtifacts(code);
            log.system("exit code " + code);
            return new Outcome(FinishReason.EXITED, code, null, error);
        }
        Integer signal = code > 128 ? code - 128 : null; // bash reports death by signal N as 128 + N
        if (stopped == FinishReason.TIMED_OUT) {
            String error = "timed out after " + job.timeoutSeconds() + " s";
            log.system(error + " (exit code " + code + ")");
            return new Outcome(stopped, code, signal, error);
        }
        log.system("cancelled (exit code " + code + ")");
        return new Outcome(stopped, code, signal, null);
    }

    /** Returns the job's error if an upload failed and nothing else did. */
    private String uploadArtifacts(int code) throws InterruptedException {
        if (job.artifacts().isEmpty() || services.uploader() == null) return null;
        List<String> problems = services.uploader().upload(job.jobId(), job.attempt(), paths.workspace(), job.artifacts(), log);
        return !problems.isEmpty() && code == 0 ? "artifact upload failed: " + problems.get(0) : null;
    }
}
