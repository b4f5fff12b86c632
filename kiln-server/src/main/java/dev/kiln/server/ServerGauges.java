package dev.kiln.server;

import dev.kiln.server.core.EngineLock;
import dev.kiln.server.core.Job;
import dev.kiln.server.fleet.AgentState;
import dev.kiln.server.fleet.FleetRegistry;
import dev.kiln.server.jobs.ActiveJobs;
import dev.kiln.server.live.LiveHub;
import dev.kiln.server.scheduler.JobQueue;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Gauges over state the server already keeps — the queue, the agents, the stream clients — read when scraped, never
 * counted twice. The queue and agents are read in one snapshot per scrape ({@link #refresh}, under the engine lock,
 * no I/O), so their series agree with each other and disappear when their architecture, label or agent does.
 */
final class ServerGauges {
    private final EngineLock lock;
    private final JobQueue queue;
    private final ActiveJobs active;
    private final FleetRegistry fleet;
    private final MultiGauge queueByArch;
    private final MultiGauge oldestByArch;
    private final MultiGauge queueByLabel;
    private final MultiGauge oldestByLabel;
    private final MultiGauge slots;
    private final MultiGauge slotsUsed;
    private final Map<AgentState, AtomicInteger> agentsByState = new EnumMap<>(AgentState.class);

    ServerGauges(MeterRegistry registry, EngineLock lock, JobQueue queue, ActiveJobs active, FleetRegistry fleet,
                 LiveHub hub) {
        this.lock = lock;
        this.queue = queue;
        this.active = active;
        this.fleet = fleet;
        Gauge.builder("kiln.queue.jobs", queue, q -> {
            synchronized (lock) {
                return q.size();
            }
        }).description("Jobs waiting in the queue").register(registry);
        queueByArch = MultiGauge.builder("kiln.queue.depth").description("Queued jobs by required architecture ('any' without one)").register(registry);
        oldestByArch = MultiGauge.builder("kiln.queue.oldest.wait").baseUnit("seconds")
                .description("How long the longest-waiting queued job of an architecture has waited").register(registry);
        queueByLabel = MultiGauge.builder("kiln.queue.label.depth").description("Queued jobs by required label (key=value)").register(registry);
        oldestByLabel = MultiGauge.builder("kiln.queue.label.oldest.wait").baseUnit("seconds")
                .description("How long the longest-waiting queued job requiring a label has waited").register(registry);
        slots = MultiGauge.builder("kiln.agent.slots").description("Job slots of each agent (its capacity)").register(registry);
        slotsUsed = MultiGauge.builder("kiln.agent.slots.used").description("Job slots of each agent in use").register(registry);
        for (AgentState state : AgentState.values()) {
            var count = new AtomicInteger();
            agentsByState.put(state, count);
            Gauge.builder("kiln.agents", count, AtomicInteger::get).tag("state", state.wireName())
                    .description("Agents the server knows, by state").register(registry);
        }
        Gauge.builder("kiln.live.clients", hub, LiveHub::clients)
                .description("Live stream subscriptions (SSE and WebSocket clients)").register(registry);
    }

    /** Reads the queue and the agents once; called before each scrape. */
    void refresh() {
        Instant now = Instant.now();
        var byArch = new HashMap<String, Waiting>();
        var byLabel = new HashMap<String, Waiting>();
        var agentRows = new ArrayList<AgentRow>();
        synchronized (lock) {
            for (JobQueue.Entry e : queue.all()) {
                Job job = active.job(e.jobId());
                Instant since = job == null || job.queuedAt() == null ? now : job.queuedAt();
                Map<String, String> needs = e.needs().requirements();
                byArch.computeIfAbsent(needs.getOrDefault("arch", "any"), k -> new Waiting()).add(since);
                needs.forEach((k, v) -> byLabel.computeIfAbsent(k + "=" + v, x -> new Waiting()).add(since));
            }
        }
        var states = new EnumMap<AgentState, Integer>(AgentState.class);
        for (var a : fleet.views()) {
            states.merge(AgentState.fromWire(a.state()), 1, Integer::sum);
            agentRows.add(new AgentRow(a.name(), a.capacity(), a.activeJobs().size()));
        }
        agentsByState.forEach((state, count) -> count.set(states.getOrDefault(state, 0)));
        queueByArch.register(rows(byArch, "architecture", w -> w.count), true);
        oldestByArch.register(rows(byArch, "architecture", w -> w.waitedSeconds(now)), true);
        queueByLabel.register(rows(byLabel, "label", w -> w.count), true);
        oldestByLabel.register(rows(byLabel, "label", w -> w.waitedSeconds(now)), true);
        slots.register(agentRows.stream().map(a -> MultiGauge.Row.of(Tags.of("agent", a.name), a.capacity)).toList(), true);
        slotsUsed.register(agentRows.stream().map(a -> MultiGauge.Row.of(Tags.of("agent", a.name), a.used)).toList(), true);
    }

    private static List<MultiGauge.Row<?>> rows(Map<String, Waiting> groups, String tag,
                                                Function<Waiting, Number> value) {
        var rows = new ArrayList<MultiGauge.Row<?>>();
        groups.forEach((k, w) -> rows.add(MultiGauge.Row.of(Tags.of(tag, k), value.apply(w))));
        return rows;
    }

    private record AgentRow(String name, int capacity, int used) {}

    private static final class Waiting {
        int count;
        Instant oldest;

        void add(Instant since) {
            count++;
            if (oldest == null || since.isBefore(oldest)) oldest = since;
        }

        double waitedSeconds(Instant now) {
            return Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0);
        }
    }
}
