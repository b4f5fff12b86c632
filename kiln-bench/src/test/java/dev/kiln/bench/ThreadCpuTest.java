package dev.kiln.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** ThreadCpu reads a process's threads from /proc: a busy thread named like the store writer is found and named. */
class ThreadCpuTest {
    @Test
    void aBusyNamedThreadIsItsGroupAndTheBusiestThread() throws Exception {
        long pid = ProcessHandle.current().pid();
        var window = ThreadCpu.start(pid);
        Thread busy = Thread.ofPlatform().name("kiln-store-writer").start(() -> burn(300_000_000L));
        busy.join();
        // the thread has exited by now: its time counts as "threads that exited", so take a window around a live one
        var live = ThreadCpu.start(pid);
        var burnt = new java.util.concurrent.CountDownLatch(1);
        var stop = new java.util.concurrent.CountDownLatch(1);
        Thread spinning = Thread.ofPlatform().name("kiln-dispatcher").start(() -> {
            burn(100_000_000L);
            burnt.countDown();
            while (stop.getCount() > 0) Thread.onSpinWait();
        });
        burnt.await();
        var figures = live.stop(100);
        stop.countDown();
        spinning.join();

        var dispatcher = figures.groups().stream().filter(g -> g.name().equals("dispatcher")).findFirst().orElseThrow();
        assertThat(dispatcher.cpuNs()).isGreaterThanOrEqualTo(100_000_000L);
        assertThat(figures.busiestThread()).isEqualTo("kiln-dispatcher");
        assertThat(figures.ceiling()).isEqualTo(100 / (figures.busiestNs() / 1e9));
        assertThat(figures.lines().get(1)).contains("kiln-dispatcher");
        assertThat(window.stop(1).processNs()).isGreaterThanOrEqualTo(350_000_000L); // exited threads still count (10 ms ticks)
    }

    /** Spins until this thread has used {@code ns} of CPU (wall time would depend on the machine's load). */
    private static void burn(long ns) {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long x = 0;
        while (mx.getCurrentThreadCpuTime() < ns) x += Long.numberOfTrailingZeros(x + 1);
        if (x == 42) System.out.println(x);
    }

    @Test
    void threadNamesFallIntoTheirGroups() {
        assertThat(ThreadCpu.groupOf("kiln-store-writ")).isEqualTo("writer");
        assertThat(ThreadCpu.groupOf("job-01HXYZ-stdo")).isEqualTo("agent runners/capture");
        assertThat(ThreadCpu.groupOf("ForkJoinPool-1-")).startsWith("virtual threads");
        assertThat(ThreadCpu.groupOf("C2 CompilerThre")).startsWith("JVM");
        assertThat(ThreadCpu.groupOf("something else")).isEqualTo("other (something else)");
    }
}
