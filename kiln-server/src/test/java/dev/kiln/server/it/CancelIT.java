package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancel kills the job's whole process tree: children that trap SIGTERM and ones that left the group too. */
class CancelIT {
    @TempDir
    static Path dir;
    static KilnTestServer kiln;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
    }

    @AfterAll
    static void stop() {
        kiln.close();
    }

    @Test
    void cancelKillsSleepAndGrandchildrenThatTrapTermOrEscapeTheGroup() throws Exception {
        Path trapMarker = dir.resolve("trap.marker");
        Path escapeMarker = dir.resolve("escape.marker");
        String command = String.join("\n",
                // a grandchild that ignores SIGTERM and keeps writing its marker
                "bash -c 'trap \"\" TERM; while true; do date +%s%N > " + trapMarker + "; sleep 0.1; done' &",
                // a grandchild that leaves the process group and session, also ignoring SIGTERM
                "setsid bash -c 'trap \"\" TERM; while true; do date +%s%N > " + escapeMarker + "; sleep 0.1; done' &",
                "echo started",
                "sleep 600");
        JsonNode job = kiln.api.submit(Map.of("command", command, "cancel_grace_seconds", 2));
        String id = job.get("id").asText();
        kiln.api.awaitStatus(id, Duration.ofSeconds(10), "running");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(trapMarker) && Files.exists(escapeMarker));
        long pgid = kiln.api.job(id).get("attempts").get(0).get("pid").asLong();
        assertThat(processesInGroup(pgid)).isNotEmpty();

        var cancel = kiln.api.post("/api/v1/jobs/" + id + "/cancel", "");
        assertThat(cancel.status()).isIn(200, 202);
        JsonNode done = kiln.api.awaitStatus(id, Duration.ofSeconds(30), "cancelled");
        assertThat(done.get("error_message").asText()).isEqualTo("Cancelled by user");
        // the grandchildren ignore SIGTERM, so only the SIGKILL after the full grace ends them, and the job with them
        // (how soon after the grace: kiln-bench --scenario timeout)
        long asked = 0;
        for (JsonNode e : kiln.api.get("/api/v1/jobs/" + id + "/events").json().get("events")) {
            if (e.get("kind").asText().equals("job.cancelling")) asked = e.get("timestamp_ns").asLong();
        }
        Instant cancelled = Instant.parse(done.get("completed_at").asText());
        assertThat(Duration.between(Instant.ofEpochSecond(0, asked), cancelled)).as("from the cancel request to cancelled")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));

        assertThat(processesInGroup(pgid)).as("processes left in the job's group").isEmpty();
        assertThat(processesWithEnv("KILN_JOB_ID=" + id)).as("processes of the job anywhere").isEmpty();
        String trapLast = Files.readString(trapMarker);
        String escapeLast = Files.readString(escapeMarker);
        // while their writers lived the markers were rewritten every 100 ms: now they stay as they are
        await("markers unchanged for 600 ms").during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
                .until(() -> Files.readString(trapMarker).equals(trapLast) && Files.readString(escapeMarker).equals(escapeLast));

        List<JsonNode> lines = kiln.api.allLogLines(id, 1);
        assertThat(lines).anySatisfy(l -> assertThat(l.get("text").asText()).contains("SIGTERM"));
        assertThat(lines).anySatisfy(l -> assertThat(l.get("text").asText()).contains("grace period over: sending SIGKILL"));
    }

    static List<Long> processesInGroup(long pgid) throws IOException {
        var pids = new ArrayList<Long>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().matches("\\d+")) continue;
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    // f[0] state, f[1] ppid, f[2] pgrp, f[3] session
                    if (!f[0].equals("Z") && (Long.parseLong(f[2]) == pgid || Long.parseLong(f[3]) == pgid)) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        }
        return pids;
    }

    static List<Long> processesWithEnv(String entry) throws IOException {
        var pids = new ArrayList<Long>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().matches("\\d+")) continue;
                try {
                    String env = new String(Files.readAllBytes(p.resolve("environ")));
                    String stat = Files.readString(p.resolve("stat"));
                    boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
                    if (!zombie && List.of(env.split("\0")).contains(entry)) pids.add(Long.parseLong(p.getFileName().toString()));
                } catch (IOException | RuntimeException gone) {
                    // ended, or not ours to read
                }
            }
        }
        return pids;
    }
}
