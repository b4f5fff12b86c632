package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of the server: queued jobs still run, running ones are lost or retried, acknowledged lines are kept. */
class RestartIT {
    @TempDir
    Path dir;

    static final String PRINTER = "i=0; while true; do i=$((i+1)); echo \"line $i\"; "
            + "if [ \"$KILN_ATTEMPT\" -gt 1 ]; then exit 0; fi; sleep 0.005; done";

    @Test
    void killNineWithQueuedAndRunningJobsThenRestart() throws Exception {
        Path data = dir.resolve("data");
        String retried, lost;
        var queued = new ArrayList<String>();
        long seenRetried, seenLost;
        try (var first = ServerProcess.launch(data, 2)) {
            Api api = first.api();
            retried = api.submit(Map.of("command", PRINTER, "name", "retried",
                    "retry", Map.of("limit", 1, "on", List.of("agent_lost")))).get("id").asText();
            lost = api.submit(Map.of("command", PRINTER, "name", "lost")).get("id").asText();
            api.awaitStatus(retried, Duration.ofSeconds(20), "running");
            api.awaitStatus(lost, Duration.ofSeconds(20), "running");
            for (int i = 0; i < 20; i++) {
                queued.add(api.submit(Map.of("command", "echo queued " + i, "type", "queued")).get("id").asText());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> lines(api, retried) > 200 && lines(api, lost) > 200);
            seenRetried = lines(api, retried);
            seenLost = lines(api, lost);
            assertThat(api.get("/api/v1/queue").json().get("total_queued").asInt()).isEqualTo(20);
            first.kill9();
        }
        try (var second = ServerProcess.launch(data, 2)) {
            Api api = second.api();
            for (String id : queued) api.awaitStatus(id, Duration.ofSeconds(60), "succeeded");
            JsonNode lostJob = api.awaitStatus(lost, Duration.ofSeconds(30), "lost");
            assertThat(lostJob.get("error_message").asText()).contains("server stopped");
            JsonNode retriedJob = api.awaitStatus(retried, Duration.ofSeconds(60), "succeeded");
            assertThat(retriedJob.get("attempts")).hasSize(2);
            assertThat(retriedJob.get("attempts").get(0).get("status").asText()).isEqualTo("lost");

            assertContiguous(api.allLogLines(lost, 1), seenLost);
            assertContiguous(api.allLogLines(retried, 1), seenRetried);
            // the processes of the killed server's jobs were killed when the new one started
            assertThat(CancelIT.processesWithEnv("KILN_JOB_ID=" + lost)).isEmpty();
            assertThat(CancelIT.processesWithEnv("KILN_JOB_ID=" + retried)).isEmpty();
        }
    }

    private static long lines(Api api, String id) {
        return api.get("/api/v1/jobs/" + id + "/logs?limit=1").json().get("total_lines").asLong();
    }

    /** Every line acknowledged before the kill is there, numbered without gaps, printed lines in order. */
    private static void assertContiguous(List<JsonNode> lines, long seenBeforeKill) {
        assertThat((long) lines.size()).isGreaterThanOrEqualTo(seenBeforeKill);
        long expect = 1;
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i).get("number").asLong()).isEqualTo(i + 1);
            var l = lines.get(i);
            if (l.get("stream").asText().equals("STDOUT")) {
                assertThat(l.get("text").asText()).isEqualTo("line " + expect);
                expect++;
            }
        }
        assertThat(expect).isGreaterThan(100);
    }
}
