package dev.kiln.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.ServerMessage;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kiln agent: keeps a WebSocket to the server (reconnecting with back-off for as long as it runs), runs the jobs
 * it is assigned, and makes sure the server gets every message: log chunks and finishes are kept until acked and
 * resent after a reconnect; other messages wait in the outbox while there is no connection.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final String agentId;
    private final Map<String, List<String>> labels;
    private final Map<String, JobRunner> jobs = new ConcurrentHashMap<>();
    private final LinkedBlockingDeque<AgentMessage> outbox = new LinkedBlockingDeque<>();
    private final ScheduledExecutorService timer;
    /** Deletes old workspaces off the timer's thread: a big tree takes a while, and log flushes must not wait. */
    private final ExecutorService janitor = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("kiln-agent-janitor").factory());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Object connectionLock = new Object();
    /**
     * Runs jobs on reused platform threads: starting a thread, or doing the workspace's file I/O and the spawn on a
     * virtual thread (whose carrier the JDK must compensate for), each cost the dispatch path ~1 ms in the benchmark.
     */
    private final ExecutorService runners = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("kiln-job-runner-", 1).factory());
    private final RunnerServices services;
    private volatile WebSocket socket;
    /** The current connection's listener: completing its {@code closed} wakes the connect loop to reconnect. */
    private volatile Listener listener;
    /**
     * A send that has not completed in this long is treated as a dead connection. Without a bound, a write stuck on a
     * connection whose server was killed held the connection lock, so the reconnect could never say hello.
     */
    static final long SEND_TIMEOUT_SECONDS = 10;
    private volatile boolean closed;
    private volatile boolean draining;
    private ScheduledFuture<?> heartbeat;
    private Thread connector;
    private Thread sender;

    public Agent(AgentConfig config) {
        this.config = config;
        this.agentId = AgentIdentity.loadOrCreate(config.workDir());
        this.labels = LabelDetector.merged(config.labels());
        this.timer = Executors.newScheduledThreadPool(1, r -> {
            var t = new Thread(r, "kiln-agent-timer");
            t.setDaemon(true);
            return t;
        });
        this.services = new RunnerServices(agentId, config.workDir(), this::send, timer, runners,
                new ArtifactUploader(config.serverUri(), config.token()));
    }

    public String agentId() {
        return agentId;
    }

    public int activeJobs() {
        return (int) jobs.values().stream().filter(j -> j.finished() == null).count();
    }

    public Map<String, List<String>> labels() {
        return labels;
    }

    public void start() {
        // Processes of this agent's previous life (it was killed, or the server under it was) must not run on.
        ProcessTree.killNow(0, new ProcessTree.Marker(agentId, null), () -> false);
        connector = Thread.ofPlatform().daemon().name("kiln-agent-connector").start(this::connectLoop);
        sender = Thread.ofPlatform().daemon().name("kiln-agent-sender").start(this::sendLoop);
    }

    // ------------------------------------------------------------ connection

    private void connectLoop() {
        long delay = config.reconnectDelay().toMillis();
        while (!closed) {
            try {
                var listener = new Listener();
                this.listener = listener;
                var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
                if (config.token() != null) builder.header("Authorization", "Bearer " + config.token());
                WebSocket ws = builder.buildAsync(config.serverUri(), listener).get(15, TimeUnit.SECONDS);
                synchronized (connectionLock) {
                    socket = ws;
                    sayHello(ws);
                    connectionLock.notifyAll();
                }
                log.info("agent {} connected to {}", config.name(), config.serverUri());
                delay = config.reconnectDelay().toMillis();
                listener.closed.join();
                log.info("agent {} lost its connection; reconnecting", config.name());
            } catch (Exception e) {
                if (!closed) log.debug("connecting to {} failed: {}", config.serverUri(), e.toString());
            } finally {
                synchronized (connectionLock) {
                    if (socket != null) socket.abort(); // e.g. the hello could not be sent: start over cleanly
                    socket = null;
                }
            }
            if (closed) return;
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            delay = Math.min(delay * 2, 5000);
        }
    }

    /** Under the connection lock, before anything else goes out: hello, then every unacked chunk and finish. */
    private void sayHello(WebSocket ws) throws Exception {
        var running = new ArrayList<AgentMessage.RunningJob>();
        for (var j : jobs.values()) running.add(new AgentMessage.RunningJob(j.jobId(), j.attempt(), j.shipper().lastAcked()));
        sendNow(ws, new AgentMessage.Hello(agentId, config.name(), labels, config.capacity(), config.version(), running));
        for (var j : jobs.values()) {
            for (var chunk : j.shipper().unacked()) sendNow(ws, chunk);
            if (j.finished() != null) sendNow(ws, j.finished());
        }
    }

    private void sendNow(WebSocket ws, AgentMessage m) throws Exception {
        try {
            ws.sendText(Json.MAPPER.writeValueAsString(m), true).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            log.info("a send to the server did not complete in {} s; reconnecting", SEND_TIMEOUT_SECONDS);
            throw e;
        }
    }

    /** Takes messages from the outbox and sends them in order, waiting while there is no connection. */
    private void sendLoop() {
        while (!closed) {
            AgentMessage m;
            try {
                m = outbox.takeFirst();
            } catch (InterruptedException e) {
                return;
            }
            synchronized (connectionLock) {
                while (socket == null && !closed) {
                    try {
                        connectionLock.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                try {
                    sendNow(socket, m);
                } catch (Exception e) {
                    // Chunks and finishes are resent from their stores at the next hello; the rest waits for it.
                    if (!(m instanceof AgentMessage.Log) && !(m instanceof AgentMessage.JobFinished)) outbox.addFirst(m);
                    WebSocket broken = socket;
                    socket = null;
                    if (broken != null) broken.abort();
                    // abort() does not promise to call the listener: wake the connect loop ourselves
                    Listener current = listener;
                    if (current != null) current.closed.complete(null);
                }
            }
        }
    }

    private void send(AgentMessage m) {
        outbox.addLast(m);
    }

    private final class Listener implements WebSocket.Listener {
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    handle(Json.MAPPER.readValue(text, ServerMessage.class));
                } catch (JsonProcessingException e) {
                    log.warn("ignoring a message the agent does not understand: {}", e.getOriginalMessage());
                } catch (RuntimeException e) {
                    log.error("handling a server message failed", e);
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            if (statusCode >= 4400 && statusCode < 4500) log.warn("server closed the connection: {} {}", statusCode, reason);
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(null);
        }
    }

    // ------------------------------------------------------------ server messages

    private void handle(ServerMessage message) {
        switch (message) {
            case ServerMessage.Welcome w -> startHeartbeat(w.heartbeatIntervalMs());
            case ServerMessage.Assign a -> assign(a);
            case ServerMessage.Cancel c -> {
                JobRunner r = jobs.get(c.jobId());
                if (r != null && r.attempt() == c.attempt()) r.cancel(c.graceSeconds());
                else if (r == null) send(new AgentMessage.JobFinished(c.jobId(), c.attempt(), null, null,
                        AgentMessage.FinishReason.CANCELLED, "not running on this agent", 0, Timestamps.nowNs()));
            }
            case ServerMessage.Ack ack -> {
                JobRunner r = jobs.get(ack.jobId());
                if (r == null || r.attempt() != ack.attempt()) return;
                r.shipper().ack(ack.seq());
                var f = r.finished();
                if (f != null && ack.seq() >= f.lastSeq() && r.shipper().allAcked() && jobs.remove(ack.jobId(), r)) {
                    r.shipper().close();
                }
            }
        }
    }

    private void assign(ServerMessage.Assign a) {
        var job = a.job();
        JobRunner existing = jobs.get(job.jobId());
        if (existing != null && existing.attempt() == job.attempt()) return; // a resend: it already runs
        var runner = new JobRunner(job, services, r -> pruneWorkspaces());
        jobs.put(job.jobId(), runner);
        runner.start();
    }

    private void pruneWorkspaces() {
        try {
            janitor.execute(() -> {
                var inUse = new java.util.HashSet<String>();
                for (var r : jobs.values()) inUse.add(r.jobId() + "-" + r.attempt());
                try {
                    int deleted = WorkspaceRetention.prune(config.workDir().resolve("workspaces"), config.keepWorkspaces(), inUse);
                    if (deleted > 0) log.debug("deleted {} old workspace(s)", deleted);
                } catch (java.io.IOException | RuntimeException e) {
                    log.warn("could not delete old workspaces: {}", e.toString());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the agent is shutting down
        }
    }

    private synchronized void startHeartbeat(long intervalMs) {
        if (heartbeat != null) heartbeat.cancel(false);
        long every = Math.max(200, intervalMs);
        heartbeat = timer.scheduleWithFixedDelay(() -> send(heartbeatNow()), 0, every, TimeUnit.MILLISECONDS);
    }

    private AgentMessage.Heartbeat heartbeatNow() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        long total = 0, free = 0;
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            total = sun.getTotalMemorySize();
            free = sun.getFreeMemorySize();
        }
        return new AgentMessage.Heartbeat(os.getSystemLoadAverage(), total - free, total, activeJobs(), draining);
    }

    /**
     * Graceful stop (SIGTERM): tell the server to send no more work, then either let running jobs finish (up to
     * {@code wait}) or cancel them, wait until the server has every line and finish, and disconnect.
     */
    public void shutdown(boolean letJobsFinish, Duration wait) {
        if (closed) return;
        draining = true;
        send(heartbeatNow());
        long deadline = System.nanoTime() + (letJobsFinish ? wait.toNanos() : 0);
        while (activeJobs() > 0 && System.nanoTime() < deadline) pause(100);
        for (var r : jobs.values()) if (r.finished() == null) r.cancel(2);
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!jobs.isEmpty() && System.nanoTime() < settle && socket != null) pause(50);
        close();
    }

    @Override
    public void close() {
        if (closed) return;
        for (var r : jobs.values()) if (r.finished() == null) r.cancel(2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (activeJobs() > 0 && System.nanoTime() < deadline) pause(20);
        closed = true;
        synchronized (connectionLock) {
            WebSocket ws = socket;
            if (ws != null) {
                try {
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "agent stopping").get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    ws.abort();
                }
            }
            connectionLock.notifyAll();
        }
        if (connector != null) connector.interrupt();
        if (sender != null) sender.interrupt();
        timer.shutdownNow();
        janitor.shutdownNow();
        runners.shutdown(); // a job still running ends on its own; its thread is not interrupted
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
