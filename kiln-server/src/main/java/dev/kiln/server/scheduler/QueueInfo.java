package dev.kiln.server.scheduler;


/** Where a queued job stands: 1-based position, queue length, why it waits, and a wait estimate (may be null). */
public record QueueInfo(int position, int totalQueued, WaitingReason waitingReason, Long estimatedWaitSeconds) {}
