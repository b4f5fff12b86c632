package dev.kiln.server.ops;

import java.time.Duration;

/**
 * How long finished jobs are kept ({@code --retain-jobs}, {@code --retain-logs}, {@code --retain-artifacts}: null
 * keeps them forever) and how large the data may grow ({@code --max-data-size}: 0 for no limit), and how often the
 * retention pass runs.
 */
public record RetentionPolicy(Duration jobs, Duration logs, Duration artifacts, long maxDataBytes, Duration interval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);
    public static final RetentionPolicy KEEP_EVERYTHING = new RetentionPolicy(null, null, null, 0, DEFAULT_INTERVAL);

    /** Whether anything is ever deleted: without a limit the pass does not run. */
    public boolean limitsAnything() {
        return jobs != null || logs != null || artifacts != null || maxDataBytes > 0;
    }

    /** The shortest age past which something of a finished job goes; null when no age limit is set. */
    Duration shortestAge() {
        Duration shortest = null;
        for (Duration d : new Duration[] {jobs, logs, artifacts}) {
            if (d != null && (shortest == null || d.compareTo(shortest) < 0)) shortest = d;
        }
        return shortest;
    }
}
