package dev.kiln.server.http;

import java.util.function.LongSupplier;

/**
 * The per-connection rate limits of an agent: every frame counts against the message limit, a {@code log} frame's
 * length also against the log limit. The answer is how long to stop reading the connection — the agent's sends then
 * slow down (its unacked chunks wait on its side), so nothing is dropped.
 */
final class AgentThrottle {
    static final long REPORT_EVERY_NANOS = 60_000_000_000L;

    /** Hold the connection's reading back for {@code nanos}; {@code limit} names the limit it is over. */
    record Hold(long nanos, String limit, long perSecond) {
        static final Hold NONE = new Hold(0, null, 0);
    }

    private final AgentLimits limits;
    private final RateLimiter messages;
    private final RateLimiter logBytes;
    private final LongSupplier nanoClock;
    private long lastReport;
    private boolean everReported;

    AgentThrottle(AgentLimits limits, LongSupplier nanoClock) {
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.messages = new RateLimiter(limits.messagesPerSecond(), nanoClock);
        this.logBytes = new RateLimiter(limits.logBytesPerSecond(), nanoClock);
    }

    /** Counts a frame of {@code length} characters; a log frame's characters count as its log volume. */
    Hold after(int length, boolean isLog) {
        long messageWait = messages.take(1);
        long logWait = isLog ? logBytes.take(length) : 0;
        if (logWait > 0 && logWait >= messageWait) return new Hold(logWait, "log_bytes", limits.logBytesPerSecond());
        if (messageWait > 0) return new Hold(messageWait, "messages", limits.messagesPerSecond());
        return Hold.NONE;
    }

    /** Whether to report a hold now: the first of the connection, then at most once a minute. */
    boolean shouldReport() {
        long now = nanoClock.getAsLong();
        if (everReported && now - lastReport < REPORT_EVERY_NANOS) return false;
        everReported = true;
        lastReport = now;
        return true;
    }
}
