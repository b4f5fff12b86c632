package dev.kiln.server.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The counters and timers the server's parts record into, built once by the composition root over its
 * {@link MeterRegistry} and handed to each part (no static registry). Meters of the hot paths (log ingest, store
 * commits) are made here once, so recording is an increment. Gauges over existing state (queue, agents, stream
 * clients) are not here: they read that state when scraped ({@code ServerGauges}).
 */
public final class KilnMetrics {
    /** Job types are free text: past this many distinct ones, the rest count under "other" (bounded cardinality). */
    static final int MAX_TYPES = 64;
    static final String OTHER_TYPE = "other";

    private final MeterRegistry registry;
    private final Counter logLines;
    private final Counter logBytes;
    private final DistributionSummary storeBatch;
    private final Timer storeCommit;
    private final Timer dispatchLatency;
    private final Set<String> types = ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, Counter> submitted = new ConcurrentHashMap<>();
    private final java.util.Map<TypeAndStatus, Counter> finished = new ConcurrentHashMap<>();
    private final java.util.Map<TypeAndStatus, Timer> durations = new ConcurrentHashMap<>();

    public KilnMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.logLines = Counter.builder("kiln.log.lines.ingested").description("Log lines stored").register(registry);
        this.logBytes = Counter.builder("kiln.log.ingested").baseUnit("bytes")
                .description("UTF-8 bytes of the log lines stored").register(registry);
        this.storeBatch = DistributionSummary.builder("kiln.store.writer.batch.size")
                .description("Writes committed together by the store's single writer (group commit)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048).register(registry);
        this.storeCommit = Timer.builder("kiln.store.writer.commit")
                .description("Time the store's writer takes to run and commit one batch")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        this.dispatchLatency = Timer.builder("kiln.jobs.dispatch.latency")
                .description("From a job (re)entering the queue to its assignment to an agent")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofHours(1)).register(registry);
    }

    /** Metrics that go nowhere, for parts built outside a server (tests, tools). */
    public static KilnMetrics discarding() {
        return new KilnMetrics(new CompositeMeterRegistry()); // a composite with no registries records nothing
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** What a retention pass deleted, and the bytes of data it gave back. */
    public void pruned(int jobs, int logs, int artifacts, int files, long bytesReclaimed) {
        for (var what : java.util.Map.of("jobs", jobs, "logs", logs, "artifacts", artifacts, "files", files).entrySet()) {
            Counter.builder("kiln.retention.deleted").tag("what", what.getKey())
                    .description("What retention deleted: whole jobs, logs, artifact rows, artifact files")
                    .register(registry).increment(what.getValue());
        }
        Counter.builder("kiln.retention.reclaimed").baseUnit("bytes").description("Data size retention gave back")
                .register(registry).increment(bytesReclaimed);
    }

    public void jobSubmitted(String type) {
        submitted.computeIfAbsent(typeTag(type), t -> Counter.builder("kiln.jobs.submitted")
                .description("Jobs submitted (re-runs included)").tag("type", t).register(registry)).increment();
    }

    /**
     * A job reached a terminal status; {@code ran} is its last attempt's run time, null if it never started. Called
     * under the engine lock for every job: its meters are looked up in a map of their own, not built and registered
     * again each time.
     */
    public void jobFinished(String type, JobStatus status, Duration ran) {
        var key = new TypeAndStatus(typeTag(type), status);
        finished.computeIfAbsent(key, k -> Counter.builder("kiln.jobs.finished")
                .description("Jobs that reached a terminal status")
                .tags("type", k.type(), "status", k.status().wireName()).register(registry)).increment();
        if (ran == null) return; // no duration, and no timer until one of these ran
        durations.computeIfAbsent(key, k -> Timer.builder("kiln.jobs.duration")
                .description("Run time of a finished job's last attempt")
                .tags("type", k.type(), "status", k.status().wireName()).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(24))
                .register(registry)).record(ran);
    }

    private record TypeAndStatus(String type, JobStatus status) {}

    public void dispatched(Duration waited) {
        dispatchLatency.record(waited);
    }

    public void logIngested(int lines, long utf8Bytes) {
        logLines.increment(lines);
        logBytes.increment(utf8Bytes);
    }

    public void storeCommitted(int batchSize, long nanos) {
        storeBatch.record(batchSize);
        storeCommit.record(nanos, TimeUnit.NANOSECONDS);
    }

    private String typeTag(String type) {
        if (type == null) return OTHER_TYPE;
        if (types.contains(type)) return type;
        if (types.size() >= MAX_TYPES) return OTHER_TYPE;
        types.add(type);
        return type;
    }

    /** The UTF-8 length of {@code s} (as {@code getBytes(UTF_8)} would make it), counted without encoding it. */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) n++; // a lone surrogate encodes as '?'
            else n += 3;
        }
        return n;
    }
}
