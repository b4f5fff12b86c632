package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.ServerMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeldJobsTest {
    @TempDir
    Path dir;
    final HeldJobs jobs = new HeldJobs();
    final List<AgentMessage> sent = new CopyOnWriteArrayList<>();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final ExecutorService runners = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        timer.shutdownNow();
        runners.shutdownNow();
    }

    JobRunner run(String jobId, String command) {
        var services = new RunnerServices("agent-test-" + ProcessHandle.current().pid(), dir, sent::add, timer, runners, null);
        var runner = new JobRunner(new JobAssignment(jobId, 1, command, null, null, null, null, null, 0, 1, null),
                services, r -> jobs.changed());
        jobs.add(runner);
        runner.start();
        return runner;
    }

    @Test
    void aWaiterWakesWhenTheLastJobEnds() {
        run("job-a", "true");
        run("job-b", "echo b");
        var noneRunning = CompletableFuture.supplyAsync(() -> jobs.awaitUntil(() -> jobs.running() == 0, Duration.ofMinutes(5)));
        assertThat(noneRunning).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
        assertThat(jobs.isEmpty()).as("finished, but nothing acked yet").isFalse();
    }

    @Test
    void aWaitThatTimesOutSaysSo() {
        assertThat(jobs.awaitUntil(() -> false, Duration.ofMillis(1))).isFalse();
        assertThat(jobs.awaitUntil(jobs::isEmpty, Duration.ZERO)).isTrue();
    }

    @Test
    void aChangeWakesAWaiter() {
        var flag = new AtomicBoolean();
        var waited = CompletableFuture.supplyAsync(() -> jobs.awaitUntil(flag::get, Duration.ofMinutes(5)));
        flag.set(true);
        jobs.changed();
        assertThat(waited).succeedsWithin(Duration.ofSeconds(30)).isEqualTo(true);
    }

    @Test
    void anAttemptIsHeldUntilItsFinishAndEveryChunkAreAcked() {
        JobRunner r = run("job-c", "echo hello");
        await().atMost(Duration.ofSeconds(30)).until(() -> r.finished() != null);
        long lastSeq = r.finished().lastSeq();
        assertThat(lastSeq).isPositive();

        assertThat(jobs.forHello()).containsExactly(new AgentMessage.RunningJob("job-c", 1, 0));
        assertThat(jobs.unacked().toList()).last().isEqualTo(r.finished());
        assertThat(jobs.unacked().filter(m -> m instanceof AgentMessage.Log)).hasSize((int) lastSeq);
        assertThat(jobs.workspaceNames()).containsExactly("job-c-1");

        jobs.ack(new ServerMessage.Ack("job-c", 2, lastSeq)); // another attempt's ack: ignored
        jobs.ack(new ServerMessage.Ack("job-c", 1, lastSeq - 1));
        assertThat(jobs.holdsJob("job-c")).isTrue();
        assertThat(jobs.unacked().toList()).hasSize(2); // the last chunk and the finish

        jobs.ack(new ServerMessage.Ack("job-c", 1, lastSeq));
        assertThat(jobs.isEmpty()).isTrue();
        assertThat(jobs.unacked()).isEmpty();
    }

    @Test
    void onlyTheExactAttemptIsFound() {
        JobRunner r = run("job-d", "true");
        assertThat(jobs.get("job-d", 1)).isSameAs(r);
        assertThat(jobs.get("job-d", 2)).isNull();
        assertThat(jobs.get("job-x", 1)).isNull();
        assertThat(jobs.holdsJob("job-d")).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> r.finished() != null); // before the temp dir goes
    }
}
