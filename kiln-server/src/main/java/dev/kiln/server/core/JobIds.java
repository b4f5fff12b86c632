package dev.kiln.server.core;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Job ids are random UUIDs. Random from the first character on, so the first 8 characters (the short id people
 * copy and say aloud) tell jobs apart; submission order lives in the job's {@code seq}, not its id.
 */
public final class JobIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {}

    public static String next() {
        long msb = (RANDOM.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb).toString();
    }

    /** Whether {@code s} looks like an id we issued (cheap check before touching the store). */
    public static boolean isWellFormed(String s) {
        if (s == null || s.length() != 36) return false;
        try {
            UUID.fromString(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
