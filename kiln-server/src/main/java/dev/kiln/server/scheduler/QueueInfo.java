package dev.kiln.server.scheduler;

import java.time.Instant;

/**
 * Where a queued job stands: 1-based position, queue length, why it waits, how long it may wait (null when it
 * cannot be estimated), and for a retry waiting out its backoff, when it may go.
 */
public record QueueInfo(int position, int totalQueued, WaitingReason waitingReason, WaitEstimate estimate,
                        Instant notBefore) {

    public Long estimatedWaitSeconds() {
        return estimate == null ? null : estimate.seconds();
    }
}
