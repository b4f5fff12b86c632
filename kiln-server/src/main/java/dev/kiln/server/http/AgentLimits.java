package dev.kiln.server.http;

/**
 * How much one agent connection may send: protocol messages per second and log bytes per second (each with a
 * second's worth of burst). Past a limit the server reads that connection more slowly; nothing is dropped.
 */
public record AgentLimits(int messagesPerSecond, long logBytesPerSecond) {
    public static final AgentLimits DEFAULTS = new AgentLimits(2000, 32L * 1024 * 1024);
    /** Below these even one full log chunk (or a heartbeat between messages) would wait for seconds. */
    public static final int MIN_MESSAGES_PER_SECOND = 10;
    public static final long MIN_LOG_BYTES_PER_SECOND = 64L * 1024;

    public AgentLimits {
        if (messagesPerSecond < MIN_MESSAGES_PER_SECOND) {
            throw new IllegalArgumentException("the agent message limit must be at least " + MIN_MESSAGES_PER_SECOND + " per second");
        }
        if (logBytesPerSecond < MIN_LOG_BYTES_PER_SECOND) {
            throw new IllegalArgumentException("the agent log limit must be at least " + MIN_LOG_BYTES_PER_SECOND + " bytes per second");
        }
    }
}
