package dev.kiln.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void nearestRankPercentiles() {
        var s = new Stats();
        for (int i = 100; i >= 1; i--) s.add(i);
        assertThat(s.percentile(50)).isEqualTo(50);
        assertThat(s.percentile(99)).isEqualTo(99);
        assertThat(s.percentile(100)).isEqualTo(100);
        assertThat(s.percentile(0)).isEqualTo(1);
        assertThat(s.max()).isEqualTo(100);
        assertThat(s.count()).isEqualTo(100);
        assertThat(new Stats().percentile(99)).isZero();
    }
}
