package dev.kiln.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** The backoff before a retry: exponential, equal jitter, capped — as properties over every policy and draw. */
class RetryBackoffPropertiesTest {

    static RetryPolicy policy(int backoffSeconds) {
        return new RetryPolicy(10, Set.of(), true, true, true, backoffSeconds);
    }

    /** The least wait of retry n: base × 2^(n-1), growing to at most the cap. */
    static long floorMs(int base, int retry) {
        return Math.min(base * 1000L * (1L << (retry - 1)), RetryPolicy.MAX_BACKOFF_FLOOR.toMillis());
    }

    @Property
    void aRetryWaitsAtLeastItsFloorAndLessThanTwiceIt(@ForAll @IntRange(min = 1, max = 1800) int base,
                                                      @ForAll @IntRange(min = 1, max = 10) int retry,
                                                      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double jitter) {
        long delay = policy(base).delay(retry, jitter).toMillis();
        long floor = floorMs(base, retry);
        assertThat(delay).isGreaterThanOrEqualTo(floor).isLessThan(2 * floor);
        assertThat(delay).as("never more than an hour").isLessThan(Duration.ofHours(1).toMillis());
    }

    @Property
    void theEnvelopeNeverShrinksFromOneRetryToTheNext(@ForAll @IntRange(min = 1, max = 1800) int base,
                                                      @ForAll @IntRange(min = 1, max = 9) int retry,
                                                      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double jitter) {
        var p = policy(base);
        // the same draw waits at least as long on the next retry; the least wait of the next is at least this floor
        assertThat(p.delay(retry + 1, jitter)).isGreaterThanOrEqualTo(p.delay(retry, jitter));
        assertThat(p.delay(retry + 1, 0)).isGreaterThanOrEqualTo(p.delay(retry, 0));
    }

    @Property
    void theSameDrawGivesTheSameDelay(@ForAll @IntRange(min = 0, max = 1800) int base,
                                      @ForAll @IntRange(min = 1, max = 10) int retry,
                                      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double jitter) {
        assertThat(policy(base).delay(retry, jitter)).isEqualTo(policy(base).delay(retry, jitter));
    }

    @Property
    void zeroBackoffRetriesAtOnce(@ForAll @IntRange(min = 1, max = 10) int retry,
                                  @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double jitter) {
        assertThat(policy(0).delay(retry, jitter)).isZero();
    }

    @Example
    void theDefaultBackoffSpacesThreeRetriesByFiveTenAndTwentySecondsAtLeast() {
        var p = policy(RetryPolicy.DEFAULT_BACKOFF_SECONDS);
        assertThat(p.delay(1, 0)).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.delay(2, 0)).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy(1800).delay(10, 0.999)).isLessThan(Duration.ofHours(1));
    }

    @Example
    void nonsenseArgumentsAreRefused() {
        assertThatThrownBy(() -> policy(5).delay(0, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> policy(5).delay(1, 1.0)).isInstanceOf(IllegalArgumentException.class);
    }
}
