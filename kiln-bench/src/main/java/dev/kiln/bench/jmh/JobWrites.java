package dev.kiln.bench.jmh;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.jobs.JobEvents;
import dev.kiln.server.jobs.JobTransitions;
import dev.kiln.server.store.StoreTx;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store's writes of one {@code true} job, as the engine makes them (submit, assign with its SYSTEM line,
 * started, one log chunk with the attempt's progress, finish), each its own commit as on a server that is not busy,
 * on a database that already holds 20,000 jobs (so their random ids spread over more pages than a small cache holds).
 * Per job; run alone (under the bench lock): {@code java -cp kiln-bench.jar org.openjdk.jmh.Main JobWrites}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class JobWrites {
    static final JobSpec SPEC = new JobSpec("bench", "build", "true", null, null, null, null, null, Map.of(), Map.of(),
            Map.of(), 0, 60, 10, new RetryPolicy(0, Set.of(), false, false, false, 0), List.of(), false);
    SqliteStore store;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        store = new SqliteStore(Files.createTempDirectory("jmh-job-writes"), new EventBus());
        for (int i = 0; i < 20_000; i++) oneJob();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    @Benchmark
    public Job oneJob() {
        Instant now = Instant.now();
        Job job = store.write(tx -> {
            Job s = tx.insertJob(Job.newlySubmitted(JobIds.next(), SPEC, null, now));
            tx.appendEvent(JobEvents.queued(s));
            return s;
        }).join();
        var assign = JobTransitions.assign(job, "agent-1", "agent-1", now);
        write(assign, 1);
        var started = JobTransitions.started(assign.job(), assign.attempt(), 42, System.nanoTime(), now);
        write(started, 0);
        Attempt logged = started.attempt().withLog(1, 2);
        var lines = List.of(new LogLine(System.nanoTime(), LogStream.SYSTEM, "[agent] starting: true"),
                new LogLine(System.nanoTime(), LogStream.SYSTEM, "[agent] exit code 0"));
        store.write(tx -> {
            tx.appendLogChunk(job.id(), 1, 2, lines);
            tx.updateAttempt(logged);
            return null;
        }).join();
        var finished = JobTransitions.attemptEnded(started.job(), logged, new AgentMessage.JobFinished(job.id(), 1, 0, null,
                AgentMessage.FinishReason.EXITED, null, 1, System.nanoTime()), now, 0.5);
        write(finished, 0);
        return finished.job();
    }

    /** As {@code JobLedger.apply}: the job, its attempt, its SYSTEM lines (here at most one) and its events. */
    private void write(JobTransitions.Decision d, int systemLines) {
        store.write((StoreTx tx) -> {
            tx.updateJob(d.job());
            if (d.newAttempt()) tx.insertAttempt(d.attempt());
            else tx.updateAttempt(d.attempt());
            if (systemLines > 0) {
                tx.appendLogChunk(d.job().id(), d.attempt().number(), 1,
                        List.of(new LogLine(System.nanoTime(), LogStream.SYSTEM, "[kiln] " + d.systemLines().get(0))));
            }
            d.events().forEach(tx::appendEvent);
            return null;
        }).join();
    }
}
