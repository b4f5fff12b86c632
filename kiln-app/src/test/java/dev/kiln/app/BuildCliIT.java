package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.app.CliIT.Run;
import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln build}, {@code builds}, {@code build-status}, {@code build-cancel} and {@code partitions} against a real
 * server with a real graph whose jobs run on the embedded agent. Each test requests partitions of its own (a
 * {@code {d}} value no other test uses), so the tests share the server without seeing each other's builds.
 */
class BuildCliIT {
    @TempDir
    static Path dir;
    static KilnServer server;

    static final String GRAPH = """
            jobs:
              clean: {outputs: ["clean/{d}"], command: "echo cleaning {d}"}
              report: {outputs: ["report/{d}"], inputs: ["clean/{d}"], command: "echo report {d}", batch: 5}
              broken: {outputs: ["broken/{d}"], inputs: ["clean/{d}"], command: "echo no; exit 4"}
              slow: {outputs: ["slow/{d}"], command: "sleep 600"}
            """;

    @BeforeAll
    static void start() {
        server = KilnServer.start(ServerConfig.defaults(dir.resolve("data")).withPort(0).withAgentCapacity(4), new EmbeddedAgentLauncher());
        server.graph().put(GRAPH);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Run kiln(String... args) {
        return CliIT.run(server, dir.resolve("data"), args);
    }

    /** stderr has a line starting so (the server's log, in this same JVM, may write there too). */
    static void assertErrLine(Run r, String start) {
        assertThat(r.err().lines()).as(r.toString()).anyMatch(l -> l.startsWith(start));
    }

    static String firstLine(Run r) {
        return r.out().lines().findFirst().orElseThrow();
    }

    @Test
    void followPrintsTheTimelineAndExitsZeroWhenTheBuildCompletes() {
        Run r = kiln("build", "--follow", "report/f-1", "report/f-2");
        assertThat(r.code()).as(r.toString()).isZero();
        String id = firstLine(r);
        assertThat(r.out()).contains("planned: 3 job(s), 0 skipped, 0 delegated", "executing",
                "job clean#1 queued (job ", "job report#1 started (job ", "job report#1 succeeded (job ",
                "report/f-1 available", "report/f-2 available", "build completed",
                "build " + id + " completed: 2 partition(s) requested, jobs 3/3 done");
        assertThat(r.out().indexOf("job clean#1 succeeded")).as("a report runs after what it needs")
                .isLessThan(r.out().indexOf("job report#1 started"));

        Run status = kiln("build-status", id);
        assertThat(status.code()).as(status.toString()).isZero();
        assertThat(status.out()).contains("build " + id + " completed", "available  report/f-1  job ", "available  report/f-2",
                "succeeded  report#1 (job ", "report/f-1, report/f-2  after clean#1, clean#2");
    }

    @Test
    void aFailedInputFailsTheBuildAndFollowExitsOneWithTheReason() {
        Run r = kiln("build", "-f", "broken/x-1");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("job clean#1 succeeded", "job broken#1 failed (job ", "broken/x-1 failed", "build failed");
        assertThat(r.err()).doesNotContain("Exception");
        assertErrLine(r, "build failed: ");
    }

    @Test
    void withoutFollowItPrintsTheIdAndThePlanThenAnAvailablePartitionIsDelegatedUnlessForced() {
        Run r = kiln("build", "report/h-1");
        assertThat(r.code()).as(r.toString()).isZero();
        String id = firstLine(r);
        assertThat(r.out().lines().skip(1).findFirst().orElseThrow()).startsWith("build " + id + " ")
                .contains("1 partition(s) requested, jobs ").contains("/2 done");
        await().atMost(Duration.ofSeconds(60)).until(() -> kiln("build-status", id).out().contains(" completed: "));

        Run planned = kiln("build", "report/h-1");
        assertThat(planned.out()).contains("  report/h-1 delegated to build " + id + " (historical)", "jobs 0/0 done");

        Run again = kiln("build", "--follow", "report/h-1");
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).contains("report/h-1 delegated to build " + id + " (historical)").doesNotContain("job report#1 started");

        Run forced = kiln("build", "--force", "--follow", "report/h-1");
        assertThat(forced.code()).as(forced.toString()).isZero();
        assertThat(forced.out()).contains("job report#1 succeeded").doesNotContain("delegated to build");
    }

    @Test
    void partitionsListsCountsAndSaysHowToGetTheNextPage() {
        assertThat(kiln("build", "--follow", "report/p-1", "report/p-2", "report/p-3").code()).isZero();
        Run first = kiln("partitions", "--prefix", "report/p-", "--limit", "2");
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.out()).contains("report/p-*: 3 available").contains("more: kiln partitions --limit 2 --prefix report/p- --cursor ");
        assertThat(first.out().lines().filter(l -> l.startsWith("available  report/p-"))).hasSize(2);
        String next = first.out().lines().filter(l -> l.startsWith("more: ")).findFirst().orElseThrow();
        Run second = kiln("partitions", "--prefix", "report/p-", "--limit", "2", "--cursor", next.substring(next.indexOf("--cursor ") + 9));
        assertThat(second.out().lines().filter(l -> l.startsWith("available  report/p-"))).hasSize(1);
        assertThat(second.out()).doesNotContain("more: ");

        assertThat(kiln("partitions", "--prefix", "clean/p-", "--status", "available").out()).contains("clean/p-3", "3 available");
        assertThat(kiln("partitions", "--prefix", "nothing/").out()).contains("no partitions match");
    }

    @Test
    void buildsListsTheNewestFirstAndFilters() {
        String older = firstLine(kiln("build", "--follow", "report/l-1"));
        String newer = firstLine(kiln("build", "--follow", "report/l-2"));
        Run byPartition = kiln("builds", "--partition", "report/l-2");
        assertThat(byPartition.code()).as(byPartition.toString()).isZero();
        assertThat(byPartition.out()).contains(newer + "  completed").doesNotContain(older);
        Run all = kiln("builds", "--status", "completed", "--limit", "100");
        assertThat(all.out().indexOf(newer)).isNotNegative().isLessThan(all.out().indexOf(older));
        assertThat(kiln("builds", "--status", "completed", "--limit", "1").out()).contains("more: kiln builds --limit 1 --status completed --cursor ");
    }

    @Test
    void cancellingABuildEndsItsFollowerWithExitOne() {
        CompletableFuture<Run> follower = CompletableFuture.supplyAsync(() -> kiln("build", "--follow", "slow/c-1"));
        var api = new ApiClient(server.baseUrl(), server.adminToken());
        String id = await().atMost(Duration.ofSeconds(30)).until(() -> {
            var items = api.get("/api/v1/builds?partition=slow/c-1&status=executing").get("items");
            return items.isEmpty() ? null : items.get(0).get("id").asText();
        }, java.util.Objects::nonNull);
        // cancelled through the API, not the CLI: the follower's thread has System.out for itself
        assertThat(api.post("/api/v1/builds/" + id + "/cancel", null).get("id").asText()).isEqualTo(id);
        Run r = follower.join();
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("build cancelled");
        assertErrLine(r, "build cancelled: ");

        Run again = kiln("build-cancel", id);
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).doesNotContain("Exception");
        assertErrLine(again, "kiln: ");
    }

    @Test
    void aRefNoDefinitionMakesIsAPlainMessage() {
        Run r = kiln("build", "nothing/1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("Exception");
        assertErrLine(r, "kiln: no job definition produces 'nothing/1'");
        Run unknown = kiln("build-status", "no-such-build");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).doesNotContain("Exception");
        assertErrLine(unknown, "kiln: ");
    }
}
