package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kiln.protocol.AgentMessage.FinishReason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StopSequenceTest {
    final String jobId = "stop-test-" + System.nanoTime();
    final ProcessTree.Marker marker = new ProcessTree.Marker("agent-test-" + ProcessHandle.current().pid(), jobId);
    final List<String> system = new CopyOnWriteArrayList<>();
    final StopSequence stop = new StopSequence(marker, system::add, jobId);

    @AfterEach
    void killLeftovers() {
        ProcessTree.killNow(0, marker, () -> false);
    }

    ProcessBuilder job(String command) {
        var pb = new ProcessBuilder("setsid", "bash", "-c", command);
        pb.environment().put("KILN_AGENT_ID", marker.agentId());
        pb.environment().put("KILN_JOB_ID", marker.jobId());
        return pb;
    }

    @Test
    void aTreeThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        Process p = stop.start(job("trap '' TERM; sleep 60 & sleep 60; wait"));
        // the shell and both sleeps, each ignoring SIGTERM, before the stop begins
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.find(p.pid(), marker).size() >= 3);

        stop.stop(FinishReason.TIMED_OUT, Duration.ofMillis(300), "timed out after 1 s");
        stop.awaitCleared();

        assertThat(ProcessTree.find(p.pid(), marker)).isEmpty();
        assertThat(stop.reason()).isEqualTo(FinishReason.TIMED_OUT);
        assertThat(system).hasSize(2);
        assertThat(system.get(0)).startsWith("timed out after 1 s: sending SIGTERM to process group " + p.pid());
        assertThat(system.get(1)).isEqualTo("grace period over: sending SIGKILL");
    }

    @Test
    void aTreeThatEndsOnSigtermIsNotKilled() throws Exception {
        Process p = stop.start(job("sleep 60 & sleep 60; wait"));
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessTree.find(p.pid(), marker).size() >= 3);

        stop.stop(FinishReason.CANCELLED, Duration.ofSeconds(60), "cancel requested");
        stop.awaitCleared();

        assertThat(ProcessTree.find(p.pid(), marker)).isEmpty();
        assertThat(system).singleElement().asString().contains("sending SIGTERM").contains("(grace 60 s)");
    }

    @Test
    void aJobStoppedBeforeItsStartNeverStartsAndTheFirstReasonWins() {
        stop.stop(FinishReason.CANCELLED, Duration.ofSeconds(5), "cancel requested");
        stop.stop(FinishReason.TIMED_OUT, Duration.ofSeconds(5), "timed out");

        assertThatThrownBy(() -> stop.start(job("touch should-not-exist")))
                .isInstanceOf(StartFailure.class).hasMessage("cancelled before it started");
        assertThatThrownBy(stop::throwIfStopped).isInstanceOf(StartFailure.class);
        stop.awaitCleared(); // nothing to clear: returns at once
        assertThat(stop.reason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(system).isEmpty();
    }

    @Test
    void anUnstoppedJobHasNoReasonAndNothingToAwait() throws Exception {
        stop.throwIfStopped();
        assertThat(stop.reason()).isNull();
        stop.awaitCleared();
        stop.killRemaining(); // nothing started: nothing to kill
    }
}
