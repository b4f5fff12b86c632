package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage;
import java.lang.management.ManagementFactory;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/** The agent's heartbeat: load, memory, running jobs and whether it drains, at the interval the server asks for. */
final class Heartbeats {
    /** The server's interval is obeyed down to this: a misconfigured server must not make agents flood it. */
    static final long MIN_INTERVAL_MS = 200;

    private final ScheduledExecutorService timer;
    private final Consumer<AgentMessage> out;
    private final IntSupplier activeJobs;
    private final BooleanSupplier draining;
    private ScheduledFuture<?> schedule; // guarded by this

    Heartbeats(ScheduledExecutorService timer, Consumer<AgentMessage> out, IntSupplier activeJobs, BooleanSupplier draining) {
        this.timer = timer;
        this.out = out;
        this.activeJobs = activeJobs;
        this.draining = draining;
    }

    /** Sends one now and then every {@code intervalMs}; a new welcome (after a reconnect) replaces the schedule. */
    synchronized void start(long intervalMs) {
        if (schedule != null) schedule.cancel(false);
        long every = Math.max(MIN_INTERVAL_MS, intervalMs);
        schedule = timer.scheduleWithFixedDelay(() -> out.accept(now()), 0, every, TimeUnit.MILLISECONDS);
    }

    AgentMessage.Heartbeat now() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        long total = 0, free = 0;
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            total = sun.getTotalMemorySize();
            free = sun.getFreeMemorySize();
        }
        return new AgentMessage.Heartbeat(os.getSystemLoadAverage(), total - free, total, activeJobs.getAsInt(),
                draining.getAsBoolean());
    }
}
