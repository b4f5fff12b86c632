package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * A 200 MB artifact uploaded by the (embedded) agent and stored by the server, both in this JVM: how much the heap
 * has grown after it (after a GC), also as a share of the upload, and how fast it went. Was a "< 16 MiB" assertion in
 * ArtifactsIT.
 */
final class ArtifactUploadScenario {
    static final long SIZE = 200_000_000L;
    private final Bench bench;

    ArtifactUploadScenario(Bench bench) {
        this.bench = bench;
    }

    void run() throws Exception {
        bench.startServer(2);
        var memory = ManagementFactory.getMemoryMXBean();
        // the command prints the wall clock once the file is written; the artifact's event is stamped when it is stored
        String command = "head -c " + SIZE + " /dev/urandom > big.bin && date +%s%N";
        String warm = bench.submit(Map.of("command", "head -c 1000000 /dev/urandom > small.bin", "artifacts", List.of("small.bin"))).get("id").asText();
        bench.awaitDone(warm); // the upload path loaded and run once before it is measured
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        String id = bench.submit(Map.of("command", command, "artifacts", List.of("big.bin"))).get("id").asText();
        JsonNode job = bench.awaitDone(id);
        if (!job.get("status").asText().equals("succeeded")) throw new IllegalStateException("job " + job.get("status") + ": " + job);
        System.gc();
        long growth = memory.getHeapMemoryUsage().getUsed() - before;

        long written = 0, stored = 0;
        for (JsonNode l : bench.get("/api/v1/jobs/" + id + "/logs?limit=10").get("lines")) {
            if (l.get("stream").asText().equals("STDOUT")) written = Long.parseLong(l.get("text").asText().strip());
        }
        for (JsonNode e : bench.get("/api/v1/jobs/" + id + "/events").get("events")) {
            if (e.get("kind").asText().equals("job.artifact")) stored = e.get("timestamp_ns").asLong();
        }
        double secs = (stored - written) / 1e9;
        Bench.report("artifact", String.format("%d MB artifact upload: heap growth %+,d KiB after a GC (%+.3f%% of the upload); "
                        + "uploaded and stored in %.2f s (%.0f MB/s)%s",
                SIZE / 1_000_000, growth / 1024, 100.0 * growth / SIZE, secs, SIZE / 1e6 / secs, Bench.memory()));
    }
}
