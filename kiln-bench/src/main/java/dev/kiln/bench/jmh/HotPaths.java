package dev.kiln.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.Json;
import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import dev.kiln.server.fleet.AgentConnection;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.AgentState;
import dev.kiln.server.logs.LogChunkCodec;
import dev.kiln.server.scheduler.JobQueue;
import dev.kiln.server.scheduler.Scheduler;
import dev.kiln.server.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 * Micro-benchmarks of the paths the load driver shows as hot. Run:
 * {@code java -cp kiln-bench/target/kiln-bench.jar org.openjdk.jmh.Main dev.kiln.bench.jmh -f 1 -wi 2 -i 3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HotPaths {
    JobQueue queue;
    List<AgentSession> agents;
    List<LogLine> lines;
    byte[] chunk;
    AgentMessage.Log logMessage;
    Event event;
    ObjectMapper mapper;
    SqliteStore store;

    static final dev.kiln.server.scheduler.DurationStats.Kind KIND = new dev.kiln.server.scheduler.DurationStats.Kind("build", "make");

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        // 100,000 queued jobs for an architecture nobody has, plus one runnable group: the dispatch pass must not care.
        queue = new JobQueue();
        for (int i = 0; i < 100_000; i++) {
            queue.add(new JobQueue.Entry("q" + i, i % 7, i, new JobQueue.Needs(Map.of("arch", "s390x", "pool", "p" + (i % 50)), null), KIND));
        }
        queue.add(new JobQueue.Entry("runnable", 0, 200_000, new JobQueue.Needs(Map.of("arch", "x86_64"), null), KIND));
        AgentConnection conn = new AgentConnection() {
            public void send(ServerMessage message) {}
            public void close(int code, String reason) {}
        };
        agents = new ArrayList<>();
        for (int a = 0; a < 8; a++) {
            var labels = Map.of("arch", List.of("x86_64"), "toolchain", List.of("gcc-12", "jdk-21"));
            var s = new AgentSession("a" + a, "agent-" + a, labels, 4, "1", AgentState.ONLINE, Instant.now());
            s.connected("agent-" + a, labels, 4, "1", conn, Instant.now());
            agents.add(s);
        }
        lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) lines.add(new LogLine(1_000_000_000L * i, i % 3 == 0 ? LogStream.STDERR : LogStream.STDOUT, "line " + i + " of a build log with some text"));
        chunk = LogChunkCodec.encode(lines);
        logMessage = new AgentMessage.Log("job", 1, 7, lines);
        event = new Event(42, "job", "job.finished", System.nanoTime(), Map.of("attempt", 1, "status", "succeeded", "exit_code", 0, "duration_ms", 850));
        mapper = Json.newMapper();
        store = new SqliteStore(Files.createTempDirectory("jmh-store"), new EventBus());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    @Benchmark
    public Object schedulerNextWith100kQueued() {
        return Scheduler.next(queue, agents);
    }

    @Benchmark
    public byte[] encodeChunkOf1000Lines() {
        return LogChunkCodec.encode(lines);
    }

    @Benchmark
    public List<LogLine> decodeChunkOf1000Lines() {
        return LogChunkCodec.decode(chunk);
    }

    @Benchmark
    public byte[] serialiseLogMessageOf1000Lines() throws Exception {
        return Json.MAPPER.writeValueAsBytes(logMessage);
    }

    @Benchmark
    public byte[] serialiseEvent() throws Exception {
        return mapper.writeValueAsBytes(event);
    }

    /** 100 small transactions submitted at once: the group-commit writer's throughput, per transaction. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void groupCommitOf100Writes() {
        var futures = new CompletableFuture<?>[100];
        for (int i = 0; i < 100; i++) futures[i] = store.write(tx -> tx.appendEvent(Event.draft(null, "bench", Map.of())));
        CompletableFuture.allOf(futures).join();
    }
}
