package dev.kiln.server.http;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN for a client's mistake, at most once per interval: a client that repeats the mistake in a loop must not
 * flood the log. In between, the same message goes to DEBUG and is counted; the next WARN says how many were
 * folded into it.
 */
final class RateLimitedLog {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextWarnAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger log, java.time.Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs {@code message} (no client-supplied text in it: it may hold a token) at WARN or, when rate-limited, DEBUG. */
    void warn(String message) {
        long now = System.nanoTime();
        long next = nextWarnAt.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextWarnAt.compareAndSet(next, now + intervalNanos)) {
            long folded = suppressed.getAndSet(0);
            if (folded == 0) log.warn(message);
            else log.warn("{} ({} more like it since the last warning)", message, folded);
        } else {
            suppressed.incrementAndGet();
            log.debug(message);
        }
    }
}
