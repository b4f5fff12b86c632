package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.ServerMessage;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A Kiln agent: keeps a link to the server ({@link ServerLink}), runs the jobs it is assigned ({@link JobRunner}),
 * and makes sure the server gets every message: log chunks and finishes are held until acked ({@link HeldJobs}) and
 * resent after a reconnect; other messages wait in the link's outbox while there is no connection.
 */
public final class Agent implements AutoCloseable {
    /** The grace cancelled jobs get when the agent stops. */
    private static final int STOP_GRACE_SECONDS = 2;
    /** How long a stopping agent waits for the server to ack what its jobs sent last. */
    private static final Duration SETTLE = Duration.ofSeconds(10);
    /** How long {@link #close()} waits for cancelled jobs to end. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final AgentConfig config;
    private final String agentId;
    private final Map<String, List<String>> labels;
    private final HeldJobs jobs = new HeldJobs();
    private final ScheduledExecutorService timer = newTimer();
    /**
     * Runs jobs on reused platform threads: starting a thread, or doing the workspace's file I/O and the spawn on a
     * virtual thread (whose carrier the JDK must compensate for), each cost the dispatch path ~1 ms in the benchmark.
     */
    private final ExecutorService runners =
            Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("kiln-job-runner-", 1).factory());
    private final WorkspaceJanitor janitor;
    private final Heartbeats heartbeats;
    private final ServerLink link;
    private final RunnerServices services;
    private volatile boolean draining;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final java.util.concurrent.CompletableFuture<String> refused = new java.util.concurrent.CompletableFuture<>();

    /**
     * Starts the agent that runs inside a server's process: the ordinary agent, pointed at the server over loopback,
     * with its id kept in {@code workDir} ({@link AgentIdentity}).
     */
    public static Agent startEmbedded(java.net.URI server, String token, String name, Map<String, List<String>> labels,
                                      int capacity, java.nio.file.Path workDir, String version) {
        var agent = new Agent(new AgentConfig(server, token, name, labels, capacity, workDir, version, Duration.ofMillis(200)));
        agent.start();
        return agent;
    }

    /** A job's flush, control-file poll and timeout are cancelled when it ends: they leave the queue then, and never wake the timer. */
    private static ScheduledExecutorService newTimer() {
        var timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("kiln-agent-timer").factory());
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    public Agent(AgentConfig config) {
        this.config = config;
        this.agentId = AgentIdentity.loadOrCreate(config.workDir());
        this.labels = LabelDetector.merged(config.labels());
        this.janitor = new WorkspaceJanitor(JobPaths.workspacesDir(config.workDir()), config.keepWorkspaces(),
                jobs::workspaceNames);
        this.link = new ServerLink(config, this::greeting, this::handle, jobs::changed, refused::complete);
        this.heartbeats = new Heartbeats(timer, link::send, this::activeJobs, () -> draining);
        var http = ServerHttp.of(link::server, config.token());
        this.services = new RunnerServices(agentId, config.workDir(), link::send, timer, runners,
                new ArtifactUploader(http), new InputDownloader(http), link::queue, link::sendQueued);
    }

    /**
     * Completes with the server's reason when the server refuses this agent (bad or revoked token, an identity the
     * token may not claim, an invalid hello). The link has stopped by then; whoever runs the agent decides what
     * else stops (the {@code kiln agent} command exits).
     */
    public java.util.concurrent.CompletableFuture<String> refusal() {
        return refused;
    }

    public String agentId() {
        return agentId;
    }

    public int activeJobs() {
        return jobs.running();
    }

    public Map<String, List<String>> labels() {
        return labels;
    }

    public void start() {
        // Processes of this agent's previous life (it was killed, or the server under it was) must not run on.
        ProcessTree.killNow(0, new ProcessTree.Marker(agentId, null), () -> false);
        link.start();
    }

    /** What every new connection starts with: the hello, then every unacked chunk and finish. */
    private Iterator<AgentMessage> greeting() {
        var hello = new AgentMessage.Hello(agentId, config.name(), labels, config.capacity(), config.version(),
                jobs.forHello());
        return Stream.concat(Stream.of((AgentMessage) hello), jobs.unacked()).iterator();
    }

    private void handle(ServerMessage message) {
        switch (message) {
            case ServerMessage.Welcome w -> heartbeats.start(w.heartbeatIntervalMs());
            case ServerMessage.Assign a -> assign(a);
            case ServerMessage.Cancel c -> {
                JobRunner r = jobs.get(c.jobId(), c.attempt());
                if (r != null) r.cancel(c.graceSeconds());
                else if (!jobs.holdsJob(c.jobId())) link.send(new AgentMessage.JobFinished(c.jobId(), c.attempt(), null,
                        null, AgentMessage.FinishReason.CANCELLED, "not running on this agent", 0, Timestamps.nowNs()));
            }
            case ServerMessage.Ack ack -> jobs.ack(ack);
        }
    }

    private void assign(ServerMessage.Assign a) {
        var job = a.job();
        if (jobs.get(job.jobId(), job.attempt()) != null) return; // a resend: it already runs
        var runner = new JobRunner(job, services, this::jobEnded);
        jobs.add(runner);
        runner.start();
    }

    private void jobEnded(JobRunner runner) {
        jobs.changed();
        janitor.ended(runner.workspaceName());
    }

    /**
     * Graceful stop (SIGTERM): tell the server to send no more work, then either let running jobs finish (up to
     * {@code wait}) or cancel them, wait until the server has every line and finish, and disconnect.
     */
    public void shutdown(boolean letJobsFinish, Duration wait) {
        if (closed.get()) return;
        draining = true;
        link.send(heartbeats.now());
        if (letJobsFinish) jobs.awaitUntil(() -> jobs.running() == 0, wait);
        jobs.cancelRunning(STOP_GRACE_SECONDS);
        // the link wakes this wait when it loses its connection: then there is no ack to wait for
        jobs.awaitUntil(() -> jobs.isEmpty() || !link.connected(), SETTLE);
        close();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        jobs.cancelRunning(STOP_GRACE_SECONDS);
        jobs.awaitUntil(() -> jobs.running() == 0, CLOSE_WAIT);
        link.close();
        timer.shutdownNow();
        janitor.close();
        runners.shutdown(); // a job still running ends on its own; its thread is not interrupted
    }
}
