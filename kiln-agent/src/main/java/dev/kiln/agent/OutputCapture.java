package dev.kiln.agent;

import dev.kiln.protocol.LogStream;
import dev.kiln.protocol.SecretMasker;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Copies a process's stdout and stderr into the job's log, line by line as they come. A line without an end is cut
 * every {@value #MAX_LINE_CHARS} characters, so a job printing no newlines cannot fill the agent's heap — but never
 * through a secret: each half would pass the mask. The cut waits for enough of what follows to see a secret whole.
 */
final class OutputCapture {
    static final int MAX_LINE_CHARS = 64 * 1024;

    private final BiConsumer<LogStream, String> sink;
    private final SecretMasker secrets;
    private final int cutAtLength;
    private final CountDownLatch ended = new CountDownLatch(2);

    /** {@code sink} gets lines unmasked (whole secrets only): masking is the job log's. */
    OutputCapture(BiConsumer<LogStream, String> sink, SecretMasker secrets) {
        this.sink = sink;
        this.secrets = secrets;
        this.cutAtLength = MAX_LINE_CHARS + Math.max(0, secrets.longest() - 1);
    }

    /** Reads both of the process's streams on {@code readers} until they end; {@code name} names the threads. */
    void start(Process p, Executor readers, String name) {
        readers.execute(NamedTask.named(name + "-stdout", () -> copyAndCountDown(p.getInputStream(), LogStream.STDOUT)));
        readers.execute(NamedTask.named(name + "-stderr", () -> copyAndCountDown(p.getErrorStream(), LogStream.STDERR)));
    }

    /** True when both streams ended within {@code wait}. */
    boolean awaitEnd(Duration wait) throws InterruptedException {
        return ended.await(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void copyAndCountDown(InputStream in, LogStream stream) {
        try {
            copy(in, stream);
        } finally {
            ended.countDown();
        }
    }

    /** Copies {@code in} to the sink until it ends; a trailing {@code \r} (CRLF output) is dropped from each line. */
    void copy(InputStream in, LogStream stream) {
        var pending = new PushbackInputStream(in, 1);
        try {
            // Most streams of most jobs carry nothing: wait for the first byte (or the end) before making the
            // decoder and its buffers.
            int first = pending.read();
            if (first < 0) {
                pending.close();
                return;
            }
            pending.unread(first);
        } catch (IOException e) {
            return; // the pipe closed under us (the tree was killed) before anything came
        }
        var line = new StringBuilder(128);
        try (Reader reader = new InputStreamReader(pending, StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            int n;
            while ((n = reader.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    char c = buf[i];
                    if (c == '\n') {
                        emit(stream, line);
                    } else {
                        line.append(c);
                        if (line.length() >= cutAtLength) emitUpToSafeCut(stream, line);
                    }
                }
            }
        } catch (IOException e) {
            // the pipe closed under us (the tree was killed): what was read is kept
        }
        if (!line.isEmpty()) emit(stream, line);
    }

    /** Hands on the start of a line that goes on, up to the cut nearest the limit that splits no secret. */
    private void emitUpToSafeCut(LogStream stream, StringBuilder line) {
        String text = line.toString();
        int cut = secrets.safeCut(text, MAX_LINE_CHARS);
        sink.accept(stream, text.substring(0, cut));
        line.delete(0, cut);
    }

    private void emit(LogStream stream, StringBuilder line) {
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') line.setLength(len - 1);
        sink.accept(stream, line.toString());
        line.setLength(0);
    }
}
