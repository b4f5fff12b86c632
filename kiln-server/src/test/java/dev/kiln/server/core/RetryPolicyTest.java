package dev.kiln.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.RetryPolicy.Outcome;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    @Test
    void noPolicyNeverRetries() {
        assertThat(RetryPolicy.NONE.next(1, new Outcome.Exited(1), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
        assertThat(RetryPolicy.NONE.next(1, new Outcome.AgentLost(), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void limitCountsRetriesAfterTheFirstAttempt() {
        var p = new RetryPolicy(2, Set.of(), true, false, false, 0);
        assertThat(p.next(1, new Outcome.Exited(1), JobStatus.FAILED)).isEqualTo(JobStatus.QUEUED);
        assertThat(p.next(2, new Outcome.Exited(1), JobStatus.FAILED)).isEqualTo(JobStatus.QUEUED);
        assertThat(p.next(3, new Outcome.Exited(1), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void exitCodesAreMatchedExactly() {
        var p = new RetryPolicy(3, Set.of(75, 137), false, false, false, 0);
        assertThat(p.next(1, new Outcome.Exited(75), JobStatus.FAILED)).isEqualTo(JobStatus.QUEUED);
        assertThat(p.next(1, new Outcome.Exited(1), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
        assertThat(p.next(1, new Outcome.Exited(0), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void timeoutAndAgentLossAreSeparateConditions() {
        var p = new RetryPolicy(1, Set.of(), false, true, false, 0);
        assertThat(p.next(1, new Outcome.TimedOut(), JobStatus.FAILED)).isEqualTo(JobStatus.QUEUED);
        assertThat(p.next(1, new Outcome.AgentLost(), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
        var q = new RetryPolicy(1, Set.of(), false, false, true, 0);
        assertThat(q.next(1, new Outcome.AgentLost(), JobStatus.FAILED)).isEqualTo(JobStatus.QUEUED);
        assertThat(q.next(1, new Outcome.TimedOut(), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void successAndStartFailuresAreNeverRetried() {
        var p = new RetryPolicy(5, Set.of(), true, true, true, 0);
        assertThat(p.next(1, new Outcome.Exited(0), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
        assertThat(p.next(1, new Outcome.FailedToStart(), JobStatus.FAILED)).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void onListRendersBack() {
        var p = new RetryPolicy(2, Set.of(3, 1), true, true, true, 0);
        assertThat(p.onAsWire()).containsExactly("failure", 1, 3, "timeout", "agent_lost");
    }
}
