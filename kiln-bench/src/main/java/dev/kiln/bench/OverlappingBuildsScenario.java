package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * 50 build requests sent at once over overlapping partitions (request i wants reports i·5 … i·5+19, so each report
 * is wanted by up to four requests) with a fast command: the time until every request has ended, and the check that
 * every partition was built by exactly one job (the jobs of all builds, counted per partition they produced).
 */
final class OverlappingBuildsScenario {
    static final String GRAPH = """
            jobs:
              clean: {outputs: ["clean/day={d}"], command: "true"}
              report: {outputs: ["report/day={d}"], inputs: ["clean/day={d}"], command: "true", batch: 10}
            """;
    static final int REQUESTS = 50, WIDTH = 20, STEP = 5;

    private final Bench bench;

    OverlappingBuildsScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        bench.startServer(null);
        bench.server().graph().put(GRAPH);
        long start = System.nanoTime();
        var posts = new ArrayList<CompletableFuture<String>>();
        for (int i = 0; i < REQUESTS; i++) {
            List<String> refs = IntStream.range(i * STEP, i * STEP + WIDTH).mapToObj(d -> "report/day=" + d).toList();
            posts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return bench.post("/api/v1/builds", Map.of("partitions", refs), 202).get("id").asText();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<String> ids = posts.stream().map(CompletableFuture::join).toList();
        var statuses = new HashMap<String, Integer>();
        var builds = new ArrayList<JsonNode>();
        for (String id : ids) {
            JsonNode b = bench.get("/api/v1/builds/" + id);
            while (!Set.of("completed", "failed", "cancelled").contains(b.get("status").asText())) {
                Thread.sleep(50);
                b = bench.get("/api/v1/builds/" + id);
            }
            builds.add(b);
            statuses.merge(b.get("status").asText(), 1, Integer::sum);
        }
        long took = System.nanoTime() - start;

        // partition → the Kiln jobs that produced it, over every build's job list (a job several builds share counts once)
        var producers = new HashMap<String, Set<String>>();
        for (JsonNode b : builds) {
            for (JsonNode j : b.get("jobs")) {
                if (!j.path("job_id").isTextual()) continue;
                for (JsonNode p : j.get("partitions")) producers.computeIfAbsent(p.asText(), k -> new HashSet<>()).add(j.get("job_id").asText());
            }
        }
        int distinct = (REQUESTS - 1) * STEP + WIDTH;
        long twice = producers.values().stream().filter(s -> s.size() > 1).count();
        long jobs = producers.values().stream().flatMap(Set::stream).distinct().count();
        String verdict = twice == 0 && producers.size() == 2 * distinct ? "every partition built exactly once"
                : "NOT exactly once: " + twice + " partition(s) built more than once, " + producers.size() + " of " + 2 * distinct + " built";
        long baseline = plainJobs((int) jobs);
        Bench.report("overlapping-builds", String.format("%d concurrent requests over %d reports (+ their %d cleaned inputs): all ended in %s %s, "
                        + "%d jobs; %s; the same number of plain jobs (true) submitted at once, right after: %s (ratio %.2f)%s",
                REQUESTS, distinct, distinct, Stats.ms(took), statuses, jobs, verdict, Stats.ms(baseline), (double) took / baseline,
                Bench.memory()));
    }

    /** The baseline: {@code n} ordinary jobs running {@code true}, submitted at once; the time until all ended. */
    private long plainJobs(int n) throws Exception {
        long start = System.nanoTime();
        var ids = new ArrayList<String>();
        for (int i = 0; i < n; i++) ids.add(bench.submit(Map.of("command", "true")).get("id").asText());
        for (String id : ids) bench.awaitDone(id);
        return System.nanoTime() - start;
    }
}
