package dev.kiln.server.live;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One client's bounded inbox. The producer never blocks: when the inbox is full the subscription is marked
 * overflowed and stops taking items, and the client is disconnected (it resumes from its cursor). Memory per client
 * is bounded by {@code capacity}.
 */
public final class Subscription<T> implements AutoCloseable {
    private final ArrayBlockingQueue<T> inbox;
    private final Runnable onClose;
    private volatile boolean overflowed;
    private volatile Runnable onOverflow = () -> { };

    Subscription(int capacity, Runnable onClose) {
        this.inbox = new ArrayBlockingQueue<>(capacity);
        this.onClose = onClose;
    }

    void offer(T item) {
        if (overflowed) return;
        if (!inbox.offer(item)) {
            overflowed = true;
            inbox.clear();
            onClose.run();
            onOverflow.run();
        }
    }

    public T poll(long timeoutMs) throws InterruptedException {
        return inbox.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    public T pollNow() {
        return inbox.poll();
    }

    public boolean overflowed() {
        return overflowed;
    }

    /** Called (from the producer's thread) the moment the inbox overflows: close the connection there. */
    public void onOverflow(Runnable action) {
        this.onOverflow = action;
    }

    @Override
    public void close() {
        onClose.run();
    }
}
