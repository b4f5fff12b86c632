package dev.kiln.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, summarised as nearest-rank percentiles. */
final class Stats {
    private long[] samples = new long[1024];
    private int n;

    synchronized void add(long nanos) {
        if (n == samples.length) samples = Arrays.copyOf(samples, n * 2);
        samples[n++] = nanos;
    }

    synchronized int count() {
        return n;
    }

    /** Nearest-rank percentile (p in 0..100) in nanoseconds. */
    synchronized long percentile(double p) {
        if (n == 0) return 0;
        long[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }

    synchronized long max() {
        long m = 0;
        for (int i = 0; i < n; i++) m = Math.max(m, samples[i]);
        return m;
    }

    String summary() {
        return String.format("p50=%s p99=%s max=%s n=%d", ms(percentile(50)), ms(percentile(99)), ms(max()), count());
    }

    static String ms(long nanos) {
        return String.format("%.2fms", nanos / 1e6);
    }
}
