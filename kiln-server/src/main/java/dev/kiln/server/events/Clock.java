package dev.kiln.server.events;

import java.time.Instant;

/** Wall-clock time in nanoseconds since the epoch (events carry {@code timestamp_ns}). */
public final class Clock {
    private Clock() {}

    public static long nowNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    public static Instant toInstant(long ns) {
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }

    public static long toNs(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
