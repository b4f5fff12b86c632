package dev.kiln.server.scheduler;

/**
 * How long a queued job may wait before an agent takes it, and what that rests on: {@code basedOn} past runs, of the
 * least alike level any part of the estimate needed ({@code basis}); null when it needed none (a free slot, or only
 * a retry's backoff to wait out).
 */
public record WaitEstimate(long seconds, int basedOn, DurationStats.Basis basis) {

    /** "12 similar runs", or null when no run time was needed. */
    public String basisText() {
        return basis == null ? null : basis.describe(basedOn);
    }

    /** "~5 min, based on 12 similar runs". */
    public String text() {
        return approximately(seconds) + (basis == null ? "" : ", based on " + basisText());
    }

    static String approximately(long seconds) {
        if (seconds <= 0) return "any moment now";
        if (seconds < 60) return "~" + seconds + " s";
        if (seconds < 3600) return "~" + Math.round(seconds / 60.0) + " min";
        long minutes = Math.round(seconds / 60.0);
        return "~" + minutes / 60 + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
    }
}
