package dev.kiln.agent;

import dev.kiln.protocol.JobAssignment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Watches a service until its {@code ready_when} holds, then says so once: a line of its output matches the regex
 * (checked on each line as it is captured), or something accepts connections on the port of this machine's loopback
 * (IPv4 or IPv6; tried every {@link #PORT_INTERVAL} on a thread of the runners until it does or the job ends).
 */
final class ReadinessProbe {
    static final Duration PORT_INTERVAL = Duration.ofMillis(250);
    private static final int CONNECT_TIMEOUT_MS = 500;

    private final Pattern log;
    private final Integer port;
    private final Consumer<String> onReady;
    private final AtomicBoolean fired = new AtomicBoolean();
    private volatile boolean closed;

    /** {@code when} null: nothing to watch. {@code onReady} gets what held, once. */
    ReadinessProbe(JobAssignment.ReadyWhen when, Consumer<String> onReady) {
        this.log = when == null || when.log() == null ? null : Pattern.compile(when.log());
        this.port = when == null ? null : when.tcpPort();
        this.onReady = onReady;
    }

    /** A line the job printed (before masking: the probe is local and reports only what held). */
    void line(String text) {
        if (log != null && !fired.get() && log.matcher(text).find()) fire("a line of output matched /" + log.pattern() + "/");
    }

    /** Starts polling the port, when there is one to watch. */
    void watchPort(Executor runners, String name) {
        if (port == null) return;
        runners.execute(NamedTask.named(name, this::pollPort));
    }

    /** The job ended: nothing more to watch or report. */
    void close() {
        closed = true;
    }

    private void pollPort() {
        try {
            while (!closed && !fired.get()) {
                if (accepts(port)) {
                    fire("port " + port + " accepts connections");
                    return;
                }
                Thread.sleep(PORT_INTERVAL); // a probe's interval, as a health check has: nothing to wait on instead
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean accepts(int port) {
        for (String host : List.of("127.0.0.1", "::1")) {
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), CONNECT_TIMEOUT_MS);
                return true;
            } catch (IOException refused) {
                // not listening there (yet)
            }
        }
        return false;
    }

    private void fire(String how) {
        if (!closed && fired.compareAndSet(false, true)) onReady.accept(how);
    }
}
