package dev.kiln.server.core;

import static dev.kiln.server.core.JobStatus.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobStatusTest {
    /** The whole machine as DESIGN.md draws it. Any change to JobStatus must change this table too. */
    static final Map<JobStatus, Set<JobStatus>> LEGAL = Map.ofEntries(
            Map.entry(QUEUED, EnumSet.of(ASSIGNED, CANCELLED)),
            Map.entry(ASSIGNED, EnumSet.of(RUNNING, CANCELLING, LOST, FAILED)),
            Map.entry(RUNNING, EnumSet.of(SUCCEEDED, FAILED, TIMED_OUT, CANCELLING, LOST, STOPPING)),
            Map.entry(CANCELLING, EnumSet.of(CANCELLED)),
            Map.entry(STOPPING, EnumSet.of(STOPPED, LOST)),
            Map.entry(SUCCEEDED, EnumSet.noneOf(JobStatus.class)),
            Map.entry(FAILED, EnumSet.of(QUEUED)),
            Map.entry(TIMED_OUT, EnumSet.of(QUEUED)),
            Map.entry(LOST, EnumSet.of(QUEUED)),
            Map.entry(CANCELLED, EnumSet.noneOf(JobStatus.class)),
            Map.entry(STOPPED, EnumSet.noneOf(JobStatus.class)));

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void everyTransitionIsLegalExactlyWhenTheTableSaysSo(JobStatus from) {
        for (JobStatus to : JobStatus.values()) {
            boolean legal = LEGAL.get(from).contains(to);
            assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(legal);
            if (legal) {
                from.checkTransition("j", to);
            } else {
                assertThatThrownBy(() -> from.checkTransition("j", to))
                        .isInstanceOf(IllegalTransitionException.class)
                        .hasMessageContaining(from.wireName()).hasMessageContaining(to.wireName());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void wireNamesRoundTrip(JobStatus s) {
        assertThat(JobStatus.fromWire(s.wireName())).isEqualTo(s);
    }

    @ParameterizedTest
    @EnumSource(value = JobStatus.class, names = {"SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST", "STOPPED"})
    void terminalStatuses(JobStatus s) {
        assertThat(s.isTerminal()).isTrue();
        assertThat(s.isOnAgent()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = JobStatus.class, names = {"ASSIGNED", "RUNNING", "CANCELLING", "STOPPING"})
    void onAgentStatuses(JobStatus s) {
        assertThat(s.isOnAgent()).isTrue();
        assertThat(s.isTerminal()).isFalse();
    }
}
