package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.LogLine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Turns one attempt's log lines into numbered chunks: a chunk leaves when it has {@value #MAX_LINES} lines or
 * {@value #MAX_BYTES} bytes, or {@value #LINGER_MS} ms after its first line (latency stays low, chunks stay big under
 * load). Every chunk is kept until the server acks it (in memory, overflowing to a spool file on disk), so a
 * reconnect resends exactly what is missing. Past {@value #MAX_UNACKED_BYTES} unacked bytes the job's output blocks:
 * it slows down, nothing is dropped.
 */
final class LogShipper {
    static final int MAX_LINES = 1000;
    static final int MAX_BYTES = 256 * 1024;
    static final long LINGER_MS = 10;
    static final long MAX_UNACKED_BYTES = 1024L * 1024 * 1024;

    private final String jobId;
    private final int attempt;
    private final Consumer<? super AgentMessage.Log> out;
    private final ScheduledExecutorService timer;
    private final ChunkSpool unacked;
    private List<LogLine> buffer = new ArrayList<>();
    private long bufferBytes;
    private long nextSeq = 1;
    /** The linger's flush, while one is due; cancelled at the finish, so it costs the timer no wake-up then. */
    private ScheduledFuture<?> pendingFlush;

    LogShipper(String jobId, int attempt, Consumer<AgentMessage.Log> out, ScheduledExecutorService timer, Path spoolFile) {
        this.unacked = new ChunkSpool(spoolFile);
        this.jobId = jobId;
        this.attempt = attempt;
        this.out = out;
        this.timer = timer;
    }

    /** Chunks are handed to {@code out} under the lock, so they leave in seq order whichever thread cuts them. */
    void add(LogLine line) {
        synchronized (this) {
            while (unacked.totalBytes() > MAX_UNACKED_BYTES) {
                try {
                    wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            buffer.add(line);
            bufferBytes += line.text().length() * 2L + 16; // estimate: cheaper than encoding every line twice
            if (buffer.size() >= MAX_LINES || bufferBytes >= MAX_BYTES) {
                out.accept(cut());
            } else if (pendingFlush == null) {
                pendingFlush = timer.schedule(this::flush, LINGER_MS, TimeUnit.MILLISECONDS);
            }
        }
    }

    synchronized void flush() {
        pendingFlush = null;
        if (!buffer.isEmpty()) out.accept(cut());
    }

    /** Flushes what is left; returns the seq of the last chunk (0 if there was none). */
    long finish() {
        return finish(out);
    }

    /** Flushes what is left to {@code last} instead (under the lock, as every chunk); returns the seq of the last chunk. */
    synchronized long finish(Consumer<? super AgentMessage.Log> last) {
        if (pendingFlush != null) pendingFlush.cancel(false);
        pendingFlush = null;
        if (!buffer.isEmpty()) last.accept(cut());
        return nextSeq - 1;
    }

    private AgentMessage.Log cut() {
        var msg = new AgentMessage.Log(jobId, attempt, nextSeq++, List.copyOf(buffer));
        long bytes = 0;
        for (var l : buffer) bytes += l.text().getBytes(StandardCharsets.UTF_8).length + 16;
        unacked.add(msg, bytes);
        buffer = new ArrayList<>();
        bufferBytes = 0;
        return msg;
    }

    synchronized void ack(long seq) {
        unacked.ackUpTo(seq);
        notifyAll();
    }

    synchronized List<AgentMessage.Log> unacked() {
        return unacked.all();
    }

    synchronized long lastAcked() {
        return unacked.isEmpty() ? nextSeq - 1 : unacked.firstSeq() - 1;
    }

    synchronized boolean spilled() {
        return unacked.spilled();
    }

    synchronized void close() {
        unacked.close();
    }

    synchronized boolean allAcked() {
        return unacked.isEmpty();
    }
}
