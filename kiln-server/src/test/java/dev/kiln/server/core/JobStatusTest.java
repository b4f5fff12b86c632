package dev.kiln.server.core;

import static dev.kiln.server.core.JobStatus.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobStatusTest {
    /** The table says, for a failed, timed-out or lost job, only "queue again" (a retry); nothing leads out of success. */
    @ParameterizedTest
    @EnumSource(value = JobStatus.class, names = {"FAILED", "TIMED_OUT", "LOST"})
    void aRetryableEndLeadsOnlyBackToTheQueue(JobStatus s) {
        for (JobStatus to : JobStatus.values()) assertThat(s.canMoveTo(to)).as("%s -> %s", s, to).isEqualTo(to == QUEUED);
        assertThatThrownBy(() -> s.checkTransition("j", SUCCEEDED)).isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining(s.wireName()).hasMessageContaining("succeeded");
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

    /** Services: stopped from the queue, stopping from an agent, and a stopping service only ever ends stopped. */
    @org.junit.jupiter.api.Test
    void servicesStopFromTheQueueOrFromAnAgent() {
        assertThat(QUEUED.canMoveTo(STOPPED)).isTrue();
        assertThat(ASSIGNED.canMoveTo(STOPPING)).isTrue();
        assertThat(RUNNING.canMoveTo(STOPPING)).isTrue();
        for (JobStatus to : JobStatus.values()) assertThat(STOPPING.canMoveTo(to)).as("stopping -> %s", to).isEqualTo(to == STOPPED);
        for (JobStatus to : JobStatus.values()) assertThat(STOPPED.canMoveTo(to)).as("stopped -> %s", to).isFalse();
    }
}
