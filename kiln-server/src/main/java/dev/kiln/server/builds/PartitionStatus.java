package dev.kiln.server.builds;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state machine of a partition within a build, whole on one screen.
 *
 * <pre>
 *   requested ──► scheduled ──► building ──► available | failed
 *       │             └──────────────────► failed      (an input failed; the build was cancelled)
 *       ├──► delegated ──► available | failed         (active delegation: follows the build that makes it)
 *       ├──► available                                (historical delegation: built before, skipped)
 *       └──► failed                                   (the build ended before planning it)
 * </pre>
 * A partition's latest state across builds ({@code /partitions}) is one of scheduled, building, available, failed.
 */
public enum PartitionStatus {
    REQUESTED, SCHEDULED, BUILDING, AVAILABLE, FAILED, DELEGATED;

    private Set<PartitionStatus> next;

    static {
        REQUESTED.next = EnumSet.of(SCHEDULED, DELEGATED, AVAILABLE, FAILED);
        // scheduled → available: a job of several outputs may report one done while it is still queued elsewhere
        SCHEDULED.next = EnumSet.of(BUILDING, AVAILABLE, FAILED);
        BUILDING.next = EnumSet.of(AVAILABLE, FAILED);
        DELEGATED.next = EnumSet.of(AVAILABLE, FAILED);
        AVAILABLE.next = EnumSet.noneOf(PartitionStatus.class);
        FAILED.next = EnumSet.noneOf(PartitionStatus.class);
    }

    public boolean canMoveTo(PartitionStatus target) {
        return next.contains(target);
    }

    public boolean isSettled() {
        return next.isEmpty();
    }

    public String wireName() {
        return name().toLowerCase();
    }

    public static PartitionStatus fromWire(String s) {
        for (PartitionStatus status : values()) {
            if (status.wireName().equals(s)) return status;
        }
        throw new IllegalArgumentException("unknown partition status '" + s + "'");
    }
}
