package dev.kiln.server.builds;

import dev.kiln.server.core.IllegalTransitionException;
import java.util.EnumSet;
import java.util.Set;

/**
 * The build-request state machine, whole on one screen; {@link #checkTransition} is the only place a move is judged.
 *
 * <pre>
 *   received ──► planning ──► executing ──► completed | failed | cancelled
 *                   │  └──────────────────► completed   (nothing to build: all available or skipped)
 *                   └──► failed | cancelled  (a config step failed; cancelled while planning)
 * </pre>
 */
public enum BuildStatus {
    RECEIVED, PLANNING, EXECUTING, COMPLETED, FAILED, CANCELLED;

    private Set<BuildStatus> next;

    static {
        RECEIVED.next = EnumSet.of(PLANNING, FAILED, CANCELLED);
        PLANNING.next = EnumSet.of(EXECUTING, COMPLETED, FAILED, CANCELLED);
        EXECUTING.next = EnumSet.of(COMPLETED, FAILED, CANCELLED);
        COMPLETED.next = EnumSet.noneOf(BuildStatus.class);
        FAILED.next = EnumSet.noneOf(BuildStatus.class);
        CANCELLED.next = EnumSet.noneOf(BuildStatus.class);
    }

    public boolean canMoveTo(BuildStatus target) {
        return next.contains(target);
    }

    public void checkTransition(String buildId, BuildStatus target) {
        if (!canMoveTo(target)) {
            throw new IllegalTransitionException("build " + buildId + " is " + wireName() + " and cannot become " + target.wireName());
        }
    }

    public boolean isEnded() {
        return next.isEmpty();
    }

    public String wireName() {
        return name().toLowerCase();
    }

    public static BuildStatus fromWire(String s) {
        for (BuildStatus status : values()) {
            if (status.wireName().equals(s)) return status;
        }
        throw new IllegalArgumentException("unknown build status '" + s + "'; one of received, planning, executing, completed, failed, cancelled");
    }
}
