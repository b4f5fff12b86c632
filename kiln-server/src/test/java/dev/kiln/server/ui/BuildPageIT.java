package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The build request page and the builds in recent activity, in Chromium against a real server. */
class BuildPageIT extends BuildGraphBrowserTest {
    Locator row(String ref) {
        return page.getByTestId("partition-grid").locator(".partition-row[data-ref='" + ref + "']");
    }

    @Test
    void aBuildOfTheExampleGoesFromPlanningToCompletedLive() {
        // every status the badge shows, in order, recorded in the page as it changes
        page.addInitScript("""
            window.__statuses = [];
            new MutationObserver(() => {
              const b = document.querySelector('[data-testid=build-status]');
              const s = b && b.textContent.trim();
              if (s && window.__statuses[window.__statuses.length - 1] !== s) window.__statuses.push(s);
            }).observe(document, { subtree: true, childList: true, characterData: true });""");
        signIn();
        page.navigate(kiln.server.baseUrl() + "/graph");
        page.getByTestId("build-form").locator("textarea").fill(WEEK);
        page.getByTestId("build").click();
        assertThat(page).hasURL(Pattern.compile(".*/builds/[^/]+$"));
        String id = page.url().replaceAll(".*/builds/", "");
        assertThat(page.getByTestId("partition-count")).hasText("1 partition");
        assertThat(page.getByTestId("build-status")).hasText("executing", within(20));
        shots("build-executing");
        assertThat(page.getByTestId("build-status")).hasText("completed", within(60));
        assertThat(row(WEEK).locator(".badge")).hasText("available");
        assertThat(page.getByTestId("progress")).hasText("1/1 available");
        assertThat(page.getByTestId("build-again")).isVisible();
        assertThat(page.getByTestId("cancel")).hasCount(0);
        @SuppressWarnings("unchecked")
        List<String> seen = (List<String>) page.evaluate("() => window.__statuses");
        assertThat(seen).as("statuses shown, in order").containsSubsequence("executing", "completed");
        assertThat(List.of("received", "planning", "executing", "completed")).containsSubsequence(seen);

        // the timeline: each job of the plan, its log one click away, inline
        var timeline = page.getByTestId("timeline");
        assertThat(timeline.locator("[data-kind='build.completed']")).hasCount(1);
        var finished = timeline.locator("[data-kind='build.job_finished']").filter(new Locator.FilterOptions().setHasText("weekly_summary#1"));
        finished.getByTestId("toggle-log").click();
        assertThat(finished.getByTestId("log-viewer")).isVisible();
        assertThat(finished.locator(".logs .row").first()).isVisible();
        assertThat(page.getByTestId("build-jobs").locator("tr[data-key='weekly_summary#1'] .badge")).hasText("succeeded");
        shots("build-completed");

        // recent activity lists it beside the jobs
        page.locator("header a[href='/']").last().click();
        var listed = page.getByTestId("builds-table").locator("tr[data-build='" + id + "']");
        assertThat(listed.locator(".badge")).hasText("completed");
        assertThat(listed.getByTestId("build-progress")).hasText("1/1");
        shots("activity-with-builds");

        // and the graph page counts the runs per definition
        page.locator("header nav a[href='/graph']").click();
        var metrics = page.getByTestId("metrics-weekly_summary");
        assertThat(metrics).containsText("100%");
        assertThat(metrics.locator("a[href='/builds/" + id + "']")).isVisible();
        assertThat(page.getByTestId("metrics-ingest")).containsText("7");
        shots("graph-metrics");
    }

    @Test
    void anActiveDelegationLinksBothWaysAndALaterOneIsHistorical() {
        signIn();
        String first = build(List.of("slow/1"));
        awaitBuild(first, "executing");
        String second = build(List.of("slow/1", "slow/2"));
        page.navigate(kiln.server.baseUrl() + "/builds/" + second);
        var delegated = row("slow/1");
        assertThat(delegated.locator(".badge")).hasText("delegated");
        assertThat(delegated.locator(".delegation")).hasText("active");
        assertThat(delegated.getByTestId("delegation")).hasText(first.substring(0, 8));
        shots("build-delegating");
        delegated.getByTestId("delegation").click();
        assertThat(page).hasURL(Pattern.compile(".*/builds/" + first));
        assertThat(page.getByTestId("waited-on-by").locator("a[href='/builds/" + second + "']")).isVisible();
        shots("build-waited-on");
        assertThat(page.getByTestId("build-status")).hasText("completed", within(30));

        awaitBuild(second, "completed");
        String third = build(List.of("slow/1"));
        awaitBuild(third, "completed", "failed");
        page.navigate(kiln.server.baseUrl() + "/builds/" + third);
        assertThat(row("slow/1").locator(".delegation")).hasText("historical");
        assertThat(row("slow/1").getByTestId("delegation")).hasText(first.substring(0, 8));
    }

    @Test
    void aFailedUpstreamShowsOnItsDependants() {
        signIn();
        String id = build(List.of("after/1"));
        page.navigate(kiln.server.baseUrl() + "/builds/" + id);
        assertThat(page.getByTestId("build-status")).hasText("failed", within(30));
        assertThat(row("after/1").locator(".badge")).hasText("failed");
        var jobs = page.getByTestId("build-jobs");
        assertThat(jobs.locator("tr[data-key='broken#1'] .badge")).hasText("failed");
        assertThat(jobs.locator("tr[data-key='after_broken#1'] .badge")).hasText("skipped");
        assertThat(page.getByTestId("banner")).containsText("Failed");
        shots("build-failed");

        page.getByTestId("build-again").click();
        assertThat(page).not().hasURL(Pattern.compile(".*/builds/" + id + "$"));
        assertThat(page.getByTestId("partition-count")).hasText("1 partition");
        assertThat(row("after/1")).isVisible();
        assertThat(page.getByTestId("build-status")).hasText("failed", within(30));
    }

    @Test
    void pollingRestsWhileTheTabIsHiddenAndCatchesUpWhenShown() {
        signIn();
        String id = build(List.of("hold/1"));
        try {
            page.navigate(kiln.server.baseUrl() + "/builds/" + id);
            assertThat(page.getByTestId("build-status")).hasText("executing", within(20));
            // the header names the executing build and leads to it
            var indicator = page.getByTestId("indicator");
            assertThat(indicator.locator(".label")).hasText("Building 0/1 partitions…", within(10));
            indicator.click(); // the list names the build first and links to its page
            assertThat(page.getByTestId("activity-list").locator("a").first()).hasAttribute("href", "/builds/" + id);
            indicator.click();
            List<String> requests = new CopyOnWriteArrayList<>();
            page.onRequest(r -> { if (r.url().contains("/api/v1/builds/" + id)) requests.add(r.url()); });
            page.waitForCondition(() -> !requests.isEmpty()); // polled every 2 s while it runs
            Chromium.setHidden(page, true);
            page.waitForTimeout(500); // a request already on its way may still land
            requests.clear();
            page.waitForTimeout(5_000); // more than two 2 s polling periods
            assertThat(requests).as("requests from a hidden tab").isEmpty();
            Chromium.setHidden(page, false);
            page.waitForCondition(() -> !requests.isEmpty());
            page.getByTestId("cancel").click();
            assertThat(page.getByTestId("build-status")).hasText("cancelled", within(20));
            assertThat(page.getByTestId("cancel")).hasCount(0);
            assertThat(page.getByTestId("build-again")).isVisible();
        } finally {
            api.post("/api/v1/builds/" + id + "/cancel", ""); // 409 once the page cancelled it
        }
    }

    @Test
    void aBuildOfTenThousandPartitionsRendersAndScrolls() {
        page.addInitScript("""
            window.__longTasks = [];
            new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration)))
              .observe({ type: 'longtask', buffered: true });""");
        signIn();
        String id = build(IntStream.range(0, 10_000).mapToObj(i -> "many/" + i).toList());
        awaitBuild(id, "completed");
        page.navigate(kiln.server.baseUrl() + "/builds/" + id);
        assertThat(page.getByTestId("partition-count")).hasText("10,000 partitions", within(30));
        var filter = page.getByTestId("partition-filter");
        assertThat(filter.locator("button[data-status='available'] b")).hasText("10,000", within(30));
        var grid = page.getByTestId("partition-grid");
        assertThat((Number) grid.evaluate("g => g.querySelectorAll('.partition-row').length")).as("rows in the DOM").asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.INTEGER).isLessThan(100);
        grid.scrollIntoViewIfNeeded();
        page.evaluate("() => window.__longTasks = []");
        for (int step = 1; step <= 10; step++) {
            grid.evaluate("(g, f) => { g.scrollTop = g.scrollHeight * f; }", step / 10.0);
            page.waitForFunction("() => new Promise(r => requestAnimationFrame(() => r(true)))");
        }
        assertThat(row("many/9999")).isInViewport();
        @SuppressWarnings("unchecked")
        List<Number> longTasks = (List<Number>) page.evaluate("() => window.__longTasks");
        System.out.println("10,000-partition build page: long tasks while scrolling (ms): " + longTasks);
        assertThat(longTasks).as("long tasks while scrolling (ms)").allSatisfy(d -> assertThat(d.doubleValue()).isLessThan(200));
        shots("build-10000");
    }

    @Test
    void anUnknownBuildIdSaysSo() {
        expectedErrors.add("status of 404");
        signIn();
        page.navigate(kiln.server.baseUrl() + "/builds/no-such-build");
        assertThat(page.getByTestId("build-error")).containsText("There is no build no-such-build");
        shots("build-unknown");
    }
}
