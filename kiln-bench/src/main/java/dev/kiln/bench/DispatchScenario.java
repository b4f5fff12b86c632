package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Submit → process started, one job at a time on an idle server, with where the time goes and the bare spawn beside it. */
final class DispatchScenario {
    private final Bench bench;

    DispatchScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        ServerChild server = bench.startChild(bench.cores()); // in a process of its own: the driver's polls do not share its JVM
        int n = bench.quick() ? 50 : 400;
        // the path from submit to spawn compiled before it is timed: jobs under load until the JIT settles, then one at
        // a time (an idle server's own path)
        String jit = new JitWarmUp(server.pid(), bench.quick()).run(System.getProperty("kiln.bench.warmUp", "auto"),
                jobs -> bench.runJobs("true", jobs));
        int warmUp = bench.quick() ? 50 : 200;
        for (int i = 0; i < warmUp; i++) bench.awaitDone(bench.submit(Map.of("command", "true")).get("id").asText());
        var stats = new Stats();
        var toAssigned = new Stats();
        var toSpawned = new Stats();
        var toQueued = new Stats();
        for (int i = 0; i < n; i++) {
            long sent = Bench.wallNs();
            String id = bench.submit(Map.of("command", "true")).get("id").asText();
            // The driver shares the server's two bench.cores(): its first status poll would land in the middle of the
            // measured dispatch (submit → spawn takes ~10 ms). Wait until that is surely over, then poll.
            Thread.sleep(50);
            bench.awaitDone(id);
            long assigned = 0;
            for (JsonNode e : bench.get("/api/v1/jobs/" + id + "/events").get("events")) {
                if (e.get("kind").asText().equals("job.queued")) toQueued.add(e.get("timestamp_ns").asLong() - sent);
                if (e.get("kind").asText().equals("job.assigned")) assigned = e.get("timestamp_ns").asLong();
                if (e.get("kind").asText().equals("job.started")) {
                    long spawned = e.get("data").get("process_started_ns").asLong();
                    stats.add(spawned - sent);
                    toAssigned.add(assigned - sent);
                    toSpawned.add(spawned - assigned);
                }
            }
        }
        Bench.report("dispatch", stats.summary() + " (after " + jit + ", then " + warmUp + " one at a time)" + bench.childMemory());
        var bare = new Stats();
        for (int i = 0; i < 50; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder("setsid", "bash", "-c", "true").start();
            bare.add(System.nanoTime() - t);
            p.waitFor();
        }
        Bench.report("", "  baseline: bare ProcessBuilder.start() of the same command p50=" + Stats.ms(bare.percentile(50))
                + " p99=" + Stats.ms(bare.percentile(99)));
        Bench.report("", "  of which request→job.queued (HTTP in, parse, validate) p50=" + Stats.ms(toQueued.percentile(50)));
        Bench.report("", "  of which submit→assigned p50=" + Stats.ms(toAssigned.percentile(50)) + " p99=" + Stats.ms(toAssigned.percentile(99))
                + ", assigned→process spawned p50=" + Stats.ms(toSpawned.percentile(50)) + " p99=" + Stats.ms(toSpawned.percentile(99)));
    }
}
