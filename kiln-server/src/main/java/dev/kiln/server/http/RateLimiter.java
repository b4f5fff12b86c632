package dev.kiln.server.http;

import java.util.function.LongSupplier;

/**
 * A token bucket holding a second's worth of tokens. {@link #take} never refuses: it takes the cost (the balance may
 * go below zero, so one message bigger than the bucket still passes) and says how long the caller should hold back
 * for the balance to be paid off. Not thread-safe: one per connection, used by its reading thread.
 */
final class RateLimiter {
    private final double perSecond;
    private final LongSupplier nanoClock;
    private double available;
    private long last;

    RateLimiter(double perSecond, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        this.available = perSecond;
        this.last = nanoClock.getAsLong();
    }

    /** Takes {@code cost} tokens; returns the nanoseconds until the bucket is out of debt (0 within the rate). */
    long take(long cost) {
        long now = nanoClock.getAsLong();
        available = Math.min(perSecond, available + (now - last) * perSecond / 1e9);
        last = now;
        available -= cost;
        return available >= 0 ? 0 : (long) Math.ceil(-available * 1e9 / perSecond);
    }
}
