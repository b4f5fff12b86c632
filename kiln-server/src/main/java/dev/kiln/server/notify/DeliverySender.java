package dev.kiln.server.notify;

import dev.kiln.server.core.DaemonThreads;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.HashSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox. One thread ({@code kiln-notify}) picks the due pending deliveries and hands each to a small pool
 * of senders; each attempt's outcome is written back (delivered, pending again at its next time, or failed once
 * the delivery is older than {@code giveUpAfter}). It wakes when told that deliveries were committed, when a send
 * ends, and when the earliest retry is due; there is nothing to poll. Pending rows are simply what it reads, so a
 * restart resumes them. With several servers on one database only the timers lease holder sends (see
 * {@link #start}); the next holder reads what the last one left pending.
 *
 * <p>Exactly once per success, as far as a sender can: a delivery is marked delivered in the store after a 2xx. If
 * the server dies between the 2xx and that write, it is sent again with the same {@code X-Kiln-Delivery} id, which
 * the receiver uses to drop the repeat.
 */
final class DeliverySender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliverySender.class);
    static final String DELIVERY_HEADER = "X-Kiln-Delivery";
    static final String EVENT_HEADER = "X-Kiln-Event";
    private static final int SENDERS = 4;
    /** Longest sleep without a known next time: a safety net only (every change wakes the thread). */
    private static final Duration IDLE = Duration.ofMinutes(1);
    /** How often a server that does not own the sending looks whether it does now (the owner died). */
    private static final Duration NOT_OWNER_LOOK = Duration.ofSeconds(1);

    /** How retries wait and when to give up; {@code timeout}: connecting, and the whole request. */
    record Timing(RetryPolicy backoff, Duration giveUpAfter, Duration timeout) {}

    private final Store store;
    private final Function<String, Optional<String>> secretOf;
    private final Timing timing;
    private final HttpClient client;
    private final ExecutorService senders = Executors.newFixedThreadPool(SENDERS, DaemonThreads.named("kiln-notify-send"));
    /**
     * Deliveries handed to a sender and not yet seen back by this thread. Only this thread changes it: a sender
     * reports its end through {@link #finished} after its outcome is committed, and each pass takes those out before it
     * reads, so a pass never reads a row as pending that a sender has just sent (and would send it twice).
     */
    private final Set<String> inFlight = new HashSet<>();
    private final Queue<String> finished = new ConcurrentLinkedQueue<>();
    private final Object signal = new Object();
    private boolean woken; // guarded by signal
    private volatile boolean closed;
    private Thread thread;

    DeliverySender(Store store, Function<String, Optional<String>> secretOf, Timing timing) {
        this.store = store;
        this.secretOf = secretOf;
        this.timing = timing;
        this.client = HttpClient.newBuilder().connectTimeout(timing.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** {@code owner}: whether this server sends now; while it does not, the thread looks again every second. */
    void start(BooleanSupplier owner) {
        thread = DaemonThreads.named("kiln-notify").newThread(() -> run(owner));
        thread.start();
    }

    /** Something changed in the outbox: look again now. */
    void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    private void run(BooleanSupplier owner) {
        while (!closed) {
            try {
                if (!owner.getAsBoolean()) {
                    await(NOT_OWNER_LOOK);
                    continue;
                }
                pass();
                sleep();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) { // the store closing, or failing for a while: try again later
                if (closed) return;
                log.warn("notification sender: {}", e.toString());
                sleepQuietly(Duration.ofSeconds(1));
            }
        }
    }

    private void pass() {
        for (String id; (id = finished.poll()) != null; ) inFlight.remove(id);
        int free = SENDERS - inFlight.size();
        if (free <= 0) return;
        for (var d : store.dueDeliveries(Instant.now(), SENDERS * 2)) {
            if (free == 0) break;
            if (!inFlight.add(d.id())) continue;
            free--;
            senders.execute(() -> {
                try {
                    send(d);
                } catch (RuntimeException e) {
                    log.warn("notification {} to {}: {}", d.id(), d.url(), e.toString());
                } finally {
                    finished.add(d.id());
                    wake();
                }
            });
        }
    }

    private void sleep() throws InterruptedException {
        Optional<Instant> next = store.nextDeliveryDue();
        Duration wait = next.map(at -> Duration.between(Instant.now(), at)).orElse(IDLE);
        // due already: those are in flight (each one's end wakes this thread), or no sender was free
        if (wait.isNegative() || wait.isZero()) wait = Duration.ofSeconds(1);
        await(wait);
    }

    /** Waits until woken, closed, or {@code wait} (at most {@link #IDLE}) has passed. */
    private void await(Duration wait) throws InterruptedException {
        synchronized (signal) {
            long until = System.nanoTime() + Math.min(wait.toNanos(), IDLE.toNanos());
            while (!woken && !closed) {
                long left = until - System.nanoTime();
                if (left <= 0) break;
                TimeUnit.NANOSECONDS.timedWait(signal, left);
            }
            woken = false;
        }
    }

    /** One attempt, and its outcome written. */
    private void send(NotificationDelivery d) {
        byte[] body = d.body().getBytes(StandardCharsets.UTF_8);
        String signature = null;
        if (d.subscriptionId() != null) {
            Optional<String> secret = secretOf.apply(d.subscriptionId());
            if (secret.isEmpty()) return; // deleted meanwhile, with its deliveries
            signature = Signatures.sign(secret.get(), body);
        }
        long began = System.nanoTime();
        Integer code = null;
        String error = null;
        try {
            var request = HttpRequest.newBuilder(URI.create(d.url())).timeout(timing.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Kiln-Notifications")
                    .header(DELIVERY_HEADER, d.id())
                    .header(EVENT_HEADER, d.event());
            if (signature != null) request.header(Signatures.HEADER, signature);
            code = client.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            if (code < 200 || code > 299) error = "HTTP " + code;
        } catch (IOException | IllegalArgumentException e) {
            // an address the client refuses is a failed attempt like a refused connection: it backs off, never spins
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing: the delivery stays pending and is sent after the restart
        }
        long ms = Duration.ofNanos(System.nanoTime() - began).toMillis();
        var outcome = outcome(timing, d, Instant.now(), code, ms, error, ThreadLocalRandom.current().nextDouble());
        store.write(tx -> tx.recordDeliveryAttempt(outcome)).join();
    }

    /** Delivered on a 2xx; else pending again after the backoff, or failed when the delivery is too old to retry. */
    static NotificationDelivery.Attempt outcome(Timing timing, NotificationDelivery d, Instant now, Integer code, long ms,
                                                String error, double jitter) {
        int attempt = d.attempts() + 1;
        if (error == null) {
            return new NotificationDelivery.Attempt(d.id(), NotificationDelivery.DELIVERED, attempt, now, code, ms, null, null);
        }
        Instant next = now.plus(timing.backoff().delay(attempt, jitter));
        if (!next.isBefore(d.createdAt().plus(timing.giveUpAfter()))) {
            return new NotificationDelivery.Attempt(d.id(), NotificationDelivery.FAILED, attempt, now, code, ms,
                    error + "; gave up after " + attempt + " attempts", null);
        }
        return new NotificationDelivery.Attempt(d.id(), NotificationDelivery.PENDING, attempt, now, code, ms, error, next);
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        wake();
        if (thread != null) thread.interrupt();
        senders.shutdownNow();
        try {
            if (thread != null) thread.join(5000);
            senders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
