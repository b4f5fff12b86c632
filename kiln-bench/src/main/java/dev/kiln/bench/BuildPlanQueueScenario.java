package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A build request of 10,000 partitions over a two-level graph (each report needs its cleaned input, reports batched
 * 100 to a job: 10,000 clean jobs and 100 report jobs), through the API: the time from sending the POST to the client
 * having read the {@code build.job_scheduled} event of every first-level (clean) job — an event is readable once
 * its transaction committed, so the job is queued by then (the events' own timestamps are taken when they are
 * drafted, before the commit, and would flatter the figure). The jobs need a
 * label no agent has, so they stay queued and running them does not compete with the queueing. Issue 13's budget:
 * planned and queued in under 2 s.
 */
final class BuildPlanQueueScenario {
    static final String GRAPH = """
            jobs:
              clean: {outputs: ["clean/day={d}"], command: "./clean.sh {d}", labels: {pool: nobody}}
              report: {outputs: ["report/day={d}"], inputs: ["clean/day={d}"], command: "./report.sh {d}", batch: 100, labels: {pool: nobody}}
            """;

    private final Bench bench;

    BuildPlanQueueScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int partitions = 10_000;
        int runs = bench.quick() ? 2 : 5;
        var took = new Stats();
        var posted = new Stats();
        for (int run = 0; run < runs; run++) {
            bench.startServer(null);
            bench.server().graph().put(GRAPH);
            // each run on a fresh server: a second request for the same partitions would be delegated, not queued
            List<String> refs = IntStream.range(0, partitions).mapToObj(i -> "report/day=" + i).toList();
            long start = Bench.wallNs();
            String id = bench.post("/api/v1/builds", Map.of("partitions", refs, "force", false), 202).get("id").asText();
            posted.add(Bench.wallNs() - start);
            took.add(lastFirstLevelQueued(id, partitions) - start);
            bench.stopServer();
        }
        Bench.report("build-plan-queue", String.format("%,d partitions over a two-level graph: POST to the last of %,d first-level "
                        + "jobs queued p50 %s (max %s, n=%d; budget 2 s); the POST's answer (202) p50 %s%s",
                partitions, partitions, Stats.ms(took.percentile(50)), Stats.ms(took.max()), runs,
                Stats.ms(posted.percentile(50)), Bench.memory()));
    }

    /** Reads the build's events until {@code expected} clean jobs were scheduled; the wall-clock time it saw the last. */
    private long lastFirstLevelQueued(String build, int expected) throws Exception {
        long after = 0;
        int seen = 0;
        while (seen < expected) {
            JsonNode page = bench.get("/api/v1/builds/" + build + "/events?limit=1000&after=" + after);
            for (JsonNode e : page.get("items")) {
                after = e.get("id").asLong();
                if (e.get("kind").asText().equals("build.failed")) throw new IllegalStateException("the build failed: " + e);
                if (e.get("kind").asText().equals("build.job_scheduled") && e.at("/data/key").asText().startsWith("clean#")) {
                    seen++;
                }
            }
            if (page.get("items").isEmpty() && seen < expected) Thread.sleep(20);
        }
        return Bench.wallNs();
    }
}
