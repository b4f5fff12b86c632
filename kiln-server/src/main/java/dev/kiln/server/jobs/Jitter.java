package dev.kiln.server.jobs;

import java.util.concurrent.ThreadLocalRandom;

/** The random part of a retry's backoff, drawn where decisions are applied so the decisions stay pure. */
final class Jitter {
    private Jitter() {}

    /** A uniform draw in [0, 1). */
    static double draw() {
        return ThreadLocalRandom.current().nextDouble();
    }
}
