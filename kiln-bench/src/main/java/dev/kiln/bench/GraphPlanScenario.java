package dev.kiln.bench;

import dev.kiln.server.graph.Graph;
import dev.kiln.server.graph.GraphFile;
import dev.kiln.server.graph.PartitionLookup;
import dev.kiln.server.graph.PartitionState;
import dev.kiln.server.graph.Plan;
import dev.kiln.server.graph.Planner;
import dev.kiln.server.jobs.JobSpecParser;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Planning a build of 10,000 partitions of a two-level graph (each report needs its cleaned input; reports batched
 * 100 to a job): the planner alone, in process, no server (issue 13 wants planning plus queueing under 2 s; this is
 * the planning part). A second figure has every other cleaned input already available, so the lookup answers too.
 */
final class GraphPlanScenario {
    static final int PARTITIONS = 10_000;
    static final String GRAPH = """
            jobs:
              clean: {outputs: ["clean/day={d}"], command: "./clean.sh {d}"}
              report: {outputs: ["report/day={d}"], inputs: ["clean/day={d}"], command: "./report.sh {d}", batch: 100}
            """;

    private final Bench bench;

    GraphPlanScenario(Bench bench) {
        this.bench = bench;
    }

    void run() {
        Graph graph = GraphFile.parse(GRAPH, JobSpecParser::parse);
        List<String> refs = IntStream.range(0, PARTITIONS).mapToObj(i -> "report/day=" + i).toList();
        var halfAvailable = new HashMap<String, PartitionState>();
        for (int i = 0; i < PARTITIONS; i += 2) halfAvailable.put("clean/day=" + i, PartitionState.AVAILABLE);
        PartitionLookup lookup = asked -> {
            var out = new HashMap<String, PartitionState>();
            for (String r : asked) if (halfAvailable.containsKey(r)) out.put(r, halfAvailable.get(r));
            return out;
        };
        long first = time(graph, refs, PartitionLookup.NOTHING_BUILT, new Stats()); // cold: the JIT has seen nothing yet
        int runs = bench.quick() ? 10 : 30;
        var nothing = new Stats();
        var nothingCpu = new Stats();
        var half = new Stats();
        for (int i = 0; i < runs; i++) {
            nothing.add(time(graph, refs, PartitionLookup.NOTHING_BUILT, nothingCpu));
            half.add(time(graph, refs, lookup, new Stats()));
        }
        int jobs = Planner.plan(graph, refs, false, PartitionLookup.NOTHING_BUILT).jobs().size();
        Bench.report("graph-plan", String.format("%,d partitions of a two-level graph (%,d jobs): plan p50 %s (CPU p50 %s, "
                        + "max %s, n=%d; the first, cold, %s); half the inputs available p50 %s%s",
                PARTITIONS, jobs, Stats.ms(nothing.percentile(50)), Stats.ms(nothingCpu.percentile(50)),
                Stats.ms(nothing.max()), runs, Stats.ms(first), Stats.ms(half.percentile(50)), Bench.memory()));
    }

    /** Wall-clock time of one plan; its CPU time goes to {@code cpu} (the figure a busy shared machine spoils least). */
    private static long time(Graph graph, List<String> refs, PartitionLookup lookup, Stats cpu) {
        var threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        Plan plan = Planner.plan(graph, refs, false, lookup);
        long took = System.nanoTime() - start;
        cpu.add(threads.getCurrentThreadCpuTime() - cpuStart);
        if (plan.requested().size() != refs.size()) throw new IllegalStateException("the plan lost requested partitions");
        return took;
    }
}
