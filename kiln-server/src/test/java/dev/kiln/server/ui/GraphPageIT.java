package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.it.ExampleGraph;
import dev.kiln.server.it.KilnTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The graph page in Chromium against a server with the repository's example graph loaded from its file. */
class GraphPageIT extends BrowserTest {
    @Override
    KilnTestServer startServer(Path dataDir) {
        try {
            Path yaml = ExampleGraph.copyInto(dataDir.getParent());
            return KilnTestServer.start(dataDir, 4, c -> c.withGraphFile(yaml));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theDefinitionsAndTheirDiagramInLayersLeftToRight() {
        JsonNode graph = api.get("/api/v1/graph").json();
        signIn();
        page.locator("header nav a[href='/graph']").click();
        assertThat(page.getByTestId("graph-version")).hasText("version " + graph.get("version_short").asText());
        var diagram = page.getByTestId("graph-diagram");
        assertThat(diagram.locator(".node")).hasCount(4);
        // one arrow per pair of definitions; weekly_summary reads the daily reports through seven inputs
        assertThat(diagram.locator(".edge")).hasCount(3);
        assertThat(diagram.locator(".edge[data-edge='daily_report→weekly_summary'] .edge-label")).hasText("×7");
        double[] xs = java.util.stream.Stream.of("ingest", "clean", "daily_report", "weekly_summary")
                .mapToDouble(n -> diagram.locator(".node[data-node='" + n + "'] rect").boundingBox().x).toArray();
        assertThat(xs).as("each definition right of what it reads").isSorted();
        assertThat(xs[0]).isLessThan(xs[1]);

        var weekly = page.getByTestId("definition-weekly_summary");
        assertThat(weekly).containsText("reports/weekly/week={week:\\d{4}-W\\d{2}}");
        assertThat(weekly).containsText("reports/daily/date={week}-7");
        assertThat(weekly).containsText("$PIPELINE_HOME/weekly.sh {week}");
        assertThat(page.getByTestId("definition-daily_report")).containsText("up to 7 partitions per job");
        assertThat(page.getByTestId("definition-ingest")).containsText("none (a source)");
        page.evaluate("() => window.scrollTo(0, 0)");
        diagram.locator(".node[data-node='weekly_summary']").click();
        assertThat(weekly).isInViewport();
        shots("graph");
    }

    @Test
    void analyzeShowsThePlanAndABadRefIsNamed() {
        signIn();
        page.navigate(kiln.server.baseUrl() + "/graph");
        var form = page.getByTestId("build-form");
        form.locator("button.link-like", new com.microsoft.playwright.Locator.LocatorOptions().setHasText("reports/weekly")).click();
        assertThat(form.locator("textarea")).hasValue("reports/weekly/week=");
        form.locator("textarea").fill("reports/weekly/week=2026-W45");
        page.getByTestId("analyze").click();
        assertThat(page.getByTestId("plan-jobs")).containsText("16");
        assertThat(page.getByTestId("plan-partitions")).containsText("22");
        assertThat(page.getByTestId("plan-table").locator("tbody tr")).hasCount(16);
        assertThat(page.getByTestId("plan-table")).containsText("weekly_summary#1");
        shots("graph-analyze");

        expectedErrors.add("status of 400");
        form.locator("textarea").fill("nowhere/x=1");
        page.getByTestId("analyze").click();
        assertThat(page.getByTestId("build-form-error")).containsText("nowhere/x=1");
    }

    @Test
    void aRefusedVersionShowsItsErrorsWhileTheOldOneStays() {
        String before = api.get("/api/v1/graph").json().get("version_short").asText();
        var refused = api.send("PUT", "/api/v1/graph", "application/yaml", "jobs:\n  a:\n    outputs: [\"a/{x}\"]\n    colour: red\n");
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        signIn();
        page.navigate(kiln.server.baseUrl() + "/graph");
        assertThat(page.getByTestId("graph-version")).hasText("version " + before);
        assertThat(page.getByTestId("graph-last-error")).containsText("line 4");
        assertThat(page.getByTestId("graph-last-error")).containsText("colour");
        shots("graph-refused");
    }
}
