package dev.kiln.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.JobStatus;
import dev.kiln.server.ops.RetentionRules.Decision;
import dev.kiln.server.store.FinishedJob;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RetentionRulesTest {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    static final RetentionPolicy POLICY = new RetentionPolicy(Duration.ofDays(30), Duration.ofDays(7), Duration.ofDays(14),
            0, RetentionPolicy.DEFAULT_INTERVAL);

    static FinishedJob job(JobStatus status, Duration age) {
        return new FinishedJob("job-1", 1, status, NOW.minus(age), 1000, 2, 2000, false);
    }

    @Test
    void anOldJobGoesWholeAYoungerOneLosesWhatIsPastItsOwnLimit() {
        assertThat(RetentionRules.byAge(job(JobStatus.SUCCEEDED, Duration.ofDays(31)), NOW, POLICY, Pins.NONE))
                .isEqualTo(new Decision(true, false, false));
        assertThat(RetentionRules.byAge(job(JobStatus.FAILED, Duration.ofDays(20)), NOW, POLICY, Pins.NONE))
                .isEqualTo(new Decision(false, true, true));
        assertThat(RetentionRules.byAge(job(JobStatus.FAILED, Duration.ofDays(10)), NOW, POLICY, Pins.NONE))
                .isEqualTo(new Decision(false, true, false));
        assertThat(RetentionRules.byAge(job(JobStatus.FAILED, Duration.ofDays(6)), NOW, POLICY, Pins.NONE))
                .isEqualTo(Decision.KEEP);
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void anActiveJobIsNeverDeletedWhateverItsAgeOrTheSize(JobStatus status) {
        var old = job(status, Duration.ofDays(400));
        var sizeLimited = new RetentionPolicy(null, null, null, 1, RetentionPolicy.DEFAULT_INTERVAL);
        assertThat(RetentionRules.byAge(old, NOW, POLICY, Pins.NONE).deletesAnything()).isEqualTo(status.isTerminal());
        assertThat(RetentionRules.bySize(old, 1_000_000, sizeLimited, Pins.NONE).job()).isEqualTo(status.isTerminal());
    }

    @Test
    void aPinnedJobIsKept() {
        Pins pinned = id -> id.equals("job-1");
        assertThat(RetentionRules.byAge(job(JobStatus.SUCCEEDED, Duration.ofDays(400)), NOW, POLICY, pinned)).isEqualTo(Decision.KEEP);
        var sizeLimited = new RetentionPolicy(null, null, null, 1, RetentionPolicy.DEFAULT_INTERVAL);
        assertThat(RetentionRules.bySize(job(JobStatus.SUCCEEDED, Duration.ofDays(1)), 100, sizeLimited, pinned)).isEqualTo(Decision.KEEP);
    }

    @Test
    void aLogAlreadyPrunedOrEmptyAndNoArtifactsAreNothingToDelete() {
        var bare = new FinishedJob("job-1", 1, JobStatus.SUCCEEDED, NOW.minus(Duration.ofDays(20)), 0, 0, 0, true);
        assertThat(RetentionRules.byAge(bare, NOW, POLICY, Pins.NONE)).isEqualTo(Decision.KEEP);
    }

    @Test
    void withoutLimitsNothingGoes() {
        var old = job(JobStatus.SUCCEEDED, Duration.ofDays(4000));
        assertThat(RetentionRules.byAge(old, NOW, RetentionPolicy.KEEP_EVERYTHING, Pins.NONE)).isEqualTo(Decision.KEEP);
        assertThat(RetentionRules.bySize(old, Long.MAX_VALUE, RetentionPolicy.KEEP_EVERYTHING, Pins.NONE)).isEqualTo(Decision.KEEP);
        assertThat(RetentionPolicy.KEEP_EVERYTHING.limitsAnything()).isFalse();
    }

    @Test
    void theSizeRuleDeletesOnlyWhileOverTheLimit() {
        var sizeLimited = new RetentionPolicy(null, null, null, 1000, RetentionPolicy.DEFAULT_INTERVAL);
        var young = job(JobStatus.SUCCEEDED, Duration.ofMinutes(1));
        assertThat(RetentionRules.bySize(young, 1001, sizeLimited, Pins.NONE).job()).isTrue();
        assertThat(RetentionRules.bySize(young, 1000, sizeLimited, Pins.NONE)).isEqualTo(Decision.KEEP);
    }

    @Test
    void amountsReadAsOperatorsWriteThem() {
        assertThat(Amounts.duration("30d", "--retain-jobs")).isEqualTo(Duration.ofDays(30));
        assertThat(Amounts.duration("12h", "x")).isEqualTo(Duration.ofHours(12));
        assertThat(Amounts.duration("90m", "x")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Amounts.size("1GiB", "x")).isEqualTo(1L << 30);
        assertThat(Amounts.size("500MB", "x")).isEqualTo(500L << 20);
        assertThat(Amounts.size("4096", "x")).isEqualTo(4096);
        assertThatThrownBy(() -> Amounts.duration("30 days", "--retain-jobs"))
                .hasMessageContaining("--retain-jobs must be a number with d, h, m or s");
        assertThatThrownBy(() -> Amounts.duration("0d", "--retain-logs")).hasMessageContaining("longer than 0");
        assertThatThrownBy(() -> Amounts.size("lots", "--max-data-size")).hasMessageContaining("--max-data-size must be a size");
    }
}
