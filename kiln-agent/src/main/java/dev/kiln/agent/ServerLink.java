package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.ServerMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's link to the server: one WebSocket at a time, reconnected with back-off for as long as the link is
 * open, and an outbox sent in order whenever there is a connection. Every new connection first carries the
 * greeting (the hello, then whatever the server may have missed), before anything from the outbox. With several
 * servers ({@link AgentConfig#servers()}, one system on one database) it stays on the one it reached and moves to
 * the next, round the list, when a connection to it fails or is lost: the greeting then tells the new server what
 * runs here and resends what the old one had not acknowledged.
 */
final class ServerLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerLink.class);
    private static final long MAX_RECONNECT_DELAY_MS = 5000;

    private final AgentConfig config;
    private final Supplier<Iterator<AgentMessage>> greeting;
    private final Consumer<ServerMessage> handler;
    private final Runnable onDisconnect;
    private final Consumer<String> onRefused;
    /**
     * Runs the WebSocket's listener on the client's selector thread, where the frame was read, instead of handing
     * each message on to a pool thread: one thread wake-up less between the server's {@code assign} and the spawn.
     * The handler ({@link Agent}) never blocks: it queues sends, and starts jobs and stops on threads of their own.
     */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .executor(Runnable::run).build();
    private final ConcurrentLinkedDeque<AgentMessage> outbox = new ConcurrentLinkedDeque<>();
    /**
     * Held by the one thread that takes messages from the outbox and sends them (the sender thread, or a thread that
     * {@linkplain #sendQueued sends what it queued}): the outbox leaves in order.
     */
    private final AtomicBoolean sending = new AtomicBoolean();
    /** Guards {@link #connection}: a send never interleaves with a greeting. */
    private final Object lock = new Object();
    private ServerConnection connection; // guarded by lock; null while disconnected
    private volatile boolean closed;
    private Thread connector;
    private volatile Thread sender;
    private final List<URI> servers;
    private volatile int current; // index into servers of the one connected to or tried next

    /**
     * {@code greeting} gives the messages every new connection starts with; {@code handler} takes what the server
     * sends; {@code onDisconnect} runs whenever a connection is lost; {@code onRefused} runs once, with the server's
     * reason, when the server refuses the agent (see {@link ServerConnection.Ended#refused()}) and the link stops.
     */
    ServerLink(AgentConfig config, Supplier<Iterator<AgentMessage>> greeting, Consumer<ServerMessage> handler,
               Runnable onDisconnect, Consumer<String> onRefused) {
        this.config = config;
        this.greeting = greeting;
        this.handler = handler;
        this.onDisconnect = onDisconnect;
        this.onRefused = onRefused;
        this.servers = config.servers();
    }

    /** The server connected to now (or tried next): artifacts go to the same one as the log. */
    URI server() {
        return servers.get(current);
    }

    void start() {
        connector = Thread.ofPlatform().daemon().name("kiln-agent-connector").start(this::connectLoop);
        sender = Thread.ofPlatform().daemon().name("kiln-agent-sender").start(this::sendLoop);
    }

    /** Queues a message; the sender thread sends it, in order, when there is a connection. */
    void send(AgentMessage m) {
        outbox.addLast(m);
        LockSupport.unpark(sender);
    }

    /**
     * Queues a message without waking the sender thread: it goes out with the next {@link #sendQueued} on the calling
     * thread (or with any send before). For a job's own thread, which calls that soon after.
     */
    void queue(AgentMessage m) {
        outbox.addLast(m);
    }

    /**
     * Sends what is queued on the calling thread, in order, unless another thread is sending (which then sends it too)
     * or there is no connection (the sender thread sends it after the next greeting). That spares a job's started and
     * its last chunk and finish each a wake-up of the sender thread. Only for a thread that may wait on the socket (up
     * to the send bound) and holds no lock another thread of the agent may wait for: a job's own thread, never the
     * timer or the WebSocket's reading thread (a send may wait for that very thread).
     */
    void sendQueued() {
        drain();
    }

    boolean connected() {
        synchronized (lock) {
            return connection != null;
        }
    }

    private void connectLoop() {
        long delay = config.reconnectDelay().toMillis();
        while (!closed) {
            ServerConnection c = null;
            URI server = server();
            try {
                c = ServerConnection.open(http, server, config.token(), handler);
                synchronized (lock) {
                    for (Iterator<AgentMessage> it = greeting.get(); it.hasNext(); ) c.send(it.next());
                    connection = c;
                }
                LockSupport.unpark(sender); // what waited in the outbox goes out now
                log.info("agent {} connected to {}", config.name(), server);
                delay = config.reconnectDelay().toMillis();
                ServerConnection.Ended ended = c.awaitEnd();
                if (ended.refused() && !closed) {
                    String why = ended.code() + " " + ended.reason();
                    log.error("the server refused agent {}: {}; not reconnecting", config.name(), why);
                    disconnect(c);
                    close();
                    onRefused.accept(why);
                    return;
                }
                log.info("agent {} lost its connection to {}; reconnecting", config.name(), server);
            } catch (Exception e) {
                if (!closed) log.debug("connecting to {} failed: {}", server, e.toString());
            } finally {
                if (c != null) disconnect(c); // e.g. the greeting could not be sent: start over cleanly
            }
            if (closed) return;
            if (servers.size() > 1) {
                current = (current + 1) % servers.size(); // that server failed or went away: the next one carries on
                if (current != 0) continue; // try each server once before backing off
            }
            try {
                Thread.sleep(delay); // back-off between attempts, not a wait for a state change
            } catch (InterruptedException e) {
                return;
            }
            delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
        }
    }

    /** The sender thread: sends what others queue, and what waited for a connection. */
    private void sendLoop() {
        while (!closed) {
            drain();
            LockSupport.park(this); // until a message is queued or a connection made (a spurious return just drains)
        }
    }

    /**
     * Sends the outbox in order while there is a connection, unless another thread is sending. Whoever sends goes on
     * while messages arrived meanwhile (their senders left them to it), so none is left behind.
     */
    private void drain() {
        while (!outbox.isEmpty() && !closed && sending.compareAndSet(false, true)) {
            boolean connected;
            try {
                synchronized (lock) {
                    AgentMessage m;
                    while (connection != null && !closed && (m = outbox.pollFirst()) != null) sendOrDisconnect(connection, m);
                    connected = connection != null;
                }
            } finally {
                sending.set(false);
            }
            // without a connection the rest waits for the next one, which wakes the sender thread; looked at again
            // here because that wake-up may have come while this thread still held the sending
            if (!connected && !connected()) return;
        }
    }

    private void sendOrDisconnect(ServerConnection c, AgentMessage m) {
        try {
            c.send(m);
        } catch (Exception e) {
            // Chunks and finishes are resent from their stores in the next greeting; the rest waits for it.
            if (!(m instanceof AgentMessage.Log) && !(m instanceof AgentMessage.JobFinished)) outbox.addFirst(m);
            disconnect(c); // wakes the connect loop, which reconnects
        }
    }

    private void disconnect(ServerConnection c) {
        boolean wasCurrent;
        synchronized (lock) {
            wasCurrent = connection == c;
            if (wasCurrent) connection = null;
        }
        c.abort();
        if (wasCurrent) onDisconnect.run();
    }

    /** Says goodbye to the server, if connected, and stops reconnecting. Messages still in the outbox are dropped. */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            if (connection != null) connection.closeNormally();
            connection = null;
        }
        if (connector != null) connector.interrupt();
        LockSupport.unpark(sender);
    }
}
