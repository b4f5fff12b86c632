package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Lines per second stored, from one job printing as fast as it can, and from 8 at once. */
final class IngestScenario {
    private final Bench bench;

    IngestScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        int lines = bench.quick() ? 200_000 : 2_000_000;
        for (int jobs : List.of(1, 8)) {
            bench.startChild(8);
            var ids = new ArrayList<String>();
            for (int j = 0; j < jobs; j++) ids.add(bench.submit(Map.of("command", "seq 1 " + lines / jobs)).get("id").asText());
            Instant first = null, last = null;
            long total = 0;
            for (String id : ids) {
                JsonNode job = bench.awaitDone(id);
                Instant s = Instant.parse(job.get("started_at").asText());
                Instant f = Instant.parse(job.get("completed_at").asText());
                first = first == null || s.isBefore(first) ? s : first;
                last = last == null || f.isAfter(last) ? f : last;
                total += job.get("attempts").get(0).get("log_lines").asLong();
            }
            double secs = Duration.between(first, last).toNanos() / 1e9;
            Bench.report("ingest", String.format("%d job(s): %,d lines in %.2f s = %,.0f lines/s%s", jobs, total, secs, total / secs, bench.childMemory()));
            bench.stopServer();
        }
    }
}
