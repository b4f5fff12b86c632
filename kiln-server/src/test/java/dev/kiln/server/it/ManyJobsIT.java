package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 5,000 jobs submitted as fast as one client can: all finish, none is stuck, none runs twice. */
class ManyJobsIT {
    @TempDir
    Path dir;

    @Test
    void fiveThousandJobsAllRunExactlyOnce() throws Exception {
        int n = 5000;
        Path ran = dir.resolve("ran.txt");
        try (var kiln = KilnTestServer.start(dir.resolve("data"), 4)) {
            var http = HttpClient.newHttpClient();
            var inFlight = new Semaphore(32);
            var futures = new ArrayList<CompletableFuture<HttpResponse<String>>>();
            String body = "{\"command\": \"echo $KILN_JOB_ID >> " + ran + "\", \"type\": \"load\"}";
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                var req = HttpRequest.newBuilder(URI.create(kiln.server.baseUrl() + "/api/v1/jobs"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + kiln.api.token()).POST(HttpRequest.BodyPublishers.ofString(body)).build();
                futures.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release()));
            }
            var ids = new HashSet<String>();
            for (var f : futures) {
                var r = f.join();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                ids.add(Api.JSON.readTree(r.body()).get("id").asText());
            }
            assertThat(ids).hasSize(n);
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    kiln.api.get("/api/v1/jobs?type=load&status=succeeded&limit=1").status() == 200
                            && kiln.server.store().countByStatus().getOrDefault(dev.kiln.server.core.JobStatus.SUCCEEDED, 0L) == n);
            var counts = kiln.server.store().countByStatus();
            assertThat(counts).containsOnlyKeys(dev.kiln.server.core.JobStatus.SUCCEEDED);
            List<String> lines = Files.readAllLines(ran);
            assertThat(lines).hasSize(n);
            assertThat(new HashSet<>(lines)).isEqualTo(ids);
            var queue = kiln.api.get("/api/v1/queue").json();
            assertThat(queue.get("total_queued").asInt()).isZero();
            assertThat(queue.get("total_building").asInt()).isZero();
            // 5,000 attempts ran; the agent keeps the newest 20 workspaces (plus any it still holds) and deletes the rest
            Path workspaces = dir.resolve("data/agent/workspaces");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (var left = Files.list(workspaces)) {
                    return left.count() <= dev.kiln.agent.AgentConfig.DEFAULT_KEEP_WORKSPACES + 4;
                }
            });
        }
    }
}
