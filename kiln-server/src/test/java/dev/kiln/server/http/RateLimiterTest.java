package dev.kiln.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aSecondsWorthPassesThenEachTakeWaitsForItsDebtToBePaid() {
        var limiter = new RateLimiter(10, now::get);
        for (int i = 0; i < 10; i++) assertThat(limiter.take(1)).isZero();
        assertThat(limiter.take(1)).isEqualTo(100_000_000L);
        now.addAndGet(100_000_000L);
        assertThat(limiter.take(1)).isEqualTo(100_000_000L);
    }

    @Test
    void oneTakeBiggerThanTheBucketPassesAndTheNextWaitsForAll() {
        var limiter = new RateLimiter(1000, now::get);
        assertThat(limiter.take(3000)).isEqualTo(2_000_000_000L);
        now.addAndGet(2_000_000_000L); // the debt is paid: the next token is a millisecond away
        assertThat(limiter.take(1)).isEqualTo(1_000_000L);
        now.addAndGet(1_000_000_000L);
        assertThat(limiter.take(999)).isZero();
    }

    @Test
    void idleTimeRefillsNoMoreThanASecondsWorth() {
        var limiter = new RateLimiter(10, now::get);
        now.addAndGet(60_000_000_000L);
        for (int i = 0; i < 10; i++) assertThat(limiter.take(1)).isZero();
        assertThat(limiter.take(1)).isPositive();
    }

    @Test
    void aThrottleReportsItsFirstHoldThenAtMostOnceAMinute() {
        var throttle = new AgentThrottle(new AgentLimits(10, 64 * 1024), now::get);
        for (int i = 0; i < 10; i++) assertThat(throttle.after(100, false).nanos()).isZero();
        AgentThrottle.Hold hold = throttle.after(100, false);
        assertThat(hold.limit()).isEqualTo("messages");
        assertThat(throttle.shouldReport()).isTrue();
        assertThat(throttle.shouldReport()).isFalse();
        now.addAndGet(AgentThrottle.REPORT_EVERY_NANOS);
        assertThat(throttle.shouldReport()).isTrue();
        assertThat(throttle.after(200_000, true).limit()).isEqualTo("log_bytes");
    }
}
