package dev.kiln.agent;

import java.time.Instant;

/** Wall-clock time as the protocol carries it: nanoseconds since the epoch. */
final class Timestamps {
    private Timestamps() {}

    static long nowNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
