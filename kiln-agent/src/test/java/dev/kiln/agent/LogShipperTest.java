package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogShipperTest {
    @TempDir
    Path dir;

    @Test
    void theFinishSendsWhatLingeredAndLeavesNoFlushOnTheTimer() {
        var timer = new ScheduledThreadPoolExecutor(1);
        timer.setRemoveOnCancelPolicy(true); // as the agent's timer
        List<AgentMessage.Log> sent = new CopyOnWriteArrayList<>();
        var busy = new CountDownLatch(1);
        var holding = new CountDownLatch(1);
        timer.execute(() -> { // holds the timer's thread: the 10 ms linger cannot end first
            holding.countDown();
            awaitQuietly(busy);
        });
        try {
            awaitQuietly(holding); // taken off the queue and running: the queue holds only what the shipper adds
            var shipper = new LogShipper("j1", 1, sent::add, timer, dir.resolve("spool.jsonl"));
            shipper.add(new LogLine(1, LogStream.STDOUT, "one line"));
            assertThat(timer.getQueue()).hasSize(1); // its linger's flush

            assertThat(shipper.finish()).isEqualTo(1);

            assertThat(sent).singleElement().satisfies(chunk -> {
                assertThat(chunk.seq()).isEqualTo(1);
                assertThat(chunk.lines()).extracting(LogLine::text).containsExactly("one line");
            });
            assertThat(timer.getQueue()).isEmpty(); // a job that ended costs the timer no wake-up
        } finally {
            busy.countDown();
            timer.shutdownNow();
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
