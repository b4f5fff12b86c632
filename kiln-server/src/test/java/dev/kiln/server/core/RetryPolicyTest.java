package dev.kiln.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.RetryPolicy.Outcome;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    @Test
    void noPolicyNeverRetries() {
        assertThat(RetryPolicy.NONE.shouldRetry(1, new Outcome.Exited(1))).isFalse();
        assertThat(RetryPolicy.NONE.shouldRetry(1, new Outcome.AgentLost())).isFalse();
    }

    @Test
    void limitCountsRetriesAfterTheFirstAttempt() {
        var p = new RetryPolicy(2, Set.of(), true, false, false);
        assertThat(p.shouldRetry(1, new Outcome.Exited(1))).isTrue();
        assertThat(p.shouldRetry(2, new Outcome.Exited(1))).isTrue();
        assertThat(p.shouldRetry(3, new Outcome.Exited(1))).isFalse();
    }

    @Test
    void exitCodesAreMatchedExactly() {
        var p = new RetryPolicy(3, Set.of(75, 137), false, false, false);
        assertThat(p.shouldRetry(1, new Outcome.Exited(75))).isTrue();
        assertThat(p.shouldRetry(1, new Outcome.Exited(1))).isFalse();
        assertThat(p.shouldRetry(1, new Outcome.Exited(0))).isFalse();
    }

    @Test
    void timeoutAndAgentLossAreSeparateConditions() {
        var p = new RetryPolicy(1, Set.of(), false, true, false);
        assertThat(p.shouldRetry(1, new Outcome.TimedOut())).isTrue();
        assertThat(p.shouldRetry(1, new Outcome.AgentLost())).isFalse();
        var q = new RetryPolicy(1, Set.of(), false, false, true);
        assertThat(q.shouldRetry(1, new Outcome.AgentLost())).isTrue();
        assertThat(q.shouldRetry(1, new Outcome.TimedOut())).isFalse();
    }

    @Test
    void successAndStartFailuresAreNeverRetried() {
        var p = new RetryPolicy(5, Set.of(), true, true, true);
        assertThat(p.shouldRetry(1, new Outcome.Exited(0))).isFalse();
        assertThat(p.shouldRetry(1, new Outcome.FailedToStart())).isFalse();
    }

    @Test
    void onListRendersBack() {
        var p = new RetryPolicy(2, Set.of(3, 1), true, true, true);
        assertThat(p.onAsWire()).containsExactly("failure", "1", "3", "timeout", "agent_lost");
    }
}
