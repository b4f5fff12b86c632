package dev.kiln.server.scheduler;

import dev.kiln.server.core.Job;
import java.util.List;
import java.util.Map;

/** The queue at a glance, for {@code GET /api/v1/queue}. */
public record QueueSummary(int totalQueued, int totalRunning, int totalAssigned, Map<String, Integer> byArchitecture,
                           Map<String, Integer> byLabel, int onlineCapacity, int slotsInUse, List<Queued> head) {
    public record Queued(Job job, int position, WaitingReason waitingReason) {}
}
