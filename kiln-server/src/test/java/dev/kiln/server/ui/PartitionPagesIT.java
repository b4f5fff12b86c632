package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The partitions page and a partition's page, after a build of the example's week 45 made its 22 partitions. */
class PartitionPagesIT extends BuildGraphBrowserTest {
    static final String DAY3 = "reports/daily/date=2026-W45-3";
    String weekBuild;

    @BeforeAll
    void buildTheWeek() {
        weekBuild = build(List.of(WEEK));
        awaitBuild(weekBuild, "completed");
    }

    static String href(String ref) {
        return "/partitions/" + URLEncoder.encode(ref, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void searchByPrefixFilterByStatusAndBuildTheSelection() {
        signIn();
        page.locator("header nav a[href='/partitions']").click();
        assertThat(page.getByTestId("count-available")).containsText("22");
        var table = page.getByTestId("partitions-table");
        assertThat(table.locator("tbody tr")).hasCount(22);
        page.locator("input[name=prefix]").fill("reports/daily/");
        page.locator("form.filters button[type=submit]").click();
        assertThat(table.locator("tbody tr")).hasCount(7);
        assertThat(page.getByTestId("count-available")).containsText("7");
        assertThat(page).hasURL(Pattern.compile(".*prefix=reports%2Fdaily%2F.*"));
        page.locator("select[name=status]").selectOption("failed");
        page.locator("form.filters button[type=submit]").click();
        assertThat(table).containsText("No partition matches");
        page.locator("select[name=status]").selectOption("available");
        page.locator("form.filters button[type=submit]").click();
        assertThat(table.locator("tbody tr")).hasCount(7);
        shots("partitions");

        table.locator("tr[data-ref='" + DAY3 + "'] input[type=checkbox]").check();
        table.locator("tr[data-ref='reports/daily/date=2026-W45-4'] input[type=checkbox]").check();
        assertThat(page.getByTestId("build-selected")).hasText("Build 2 selected");
        page.locator("input[name=force]").check();
        page.getByTestId("build-selected").click();
        assertThat(page).hasURL(Pattern.compile(".*/builds/[^/]+$"));
        assertThat(page.getByTestId("partition-count")).hasText("2 partitions");
        assertThat(page.getByTestId("build-status")).hasText("completed", within(60));
    }

    @Test
    void aPartitionsPageShowsItsMakerNeighboursAndHistoryAndBuildsItAgain() {
        signIn();
        page.navigate(kiln.server.baseUrl() + href(DAY3));
        assertThat(page.getByTestId("partition-status")).hasText("available");
        assertThat(page.getByTestId("partition-definition")).hasText("daily_report");
        assertThat(page.getByTestId("upstream").locator("a")).hasText("clean/events/date=2026-W45-3");
        assertThat(page.getByTestId("downstream").locator("a")).hasText(WEEK);
        assertThat(page.getByTestId("partition-history").locator("a[href='/builds/" + weekBuild + "']").first()).isVisible();
        shots("partition");

        page.getByTestId("upstream").locator("a").click();
        assertThat(page.getByTestId("partition-definition")).hasText("clean");
        assertThat(page.getByTestId("downstream").locator("a", new Locator.LocatorOptions().setHasText(DAY3))).isVisible();

        page.locator("input[name=force]").check();
        page.getByTestId("build-now").click();
        assertThat(page).hasURL(Pattern.compile(".*/builds/[^/]+$"));
        assertThat(page.getByTestId("build-status")).hasText("completed", within(60));
        assertThat(page.getByTestId("build-jobs")).containsText("clean#1");
    }

    /** The partition page does not poll: what it shows after the build starts came over the live stream. */
    @Test
    void aPartitionsPageFollowsItsBuildLive() {
        signIn();
        page.navigate(kiln.server.baseUrl() + href("slow/live"));
        assertThat(page.getByTestId("partition-status")).hasText("never built");
        assertThat(page.getByTestId("partition-definition")).hasText("slow");
        String id = build(List.of("slow/live"));
        assertThat(page.getByTestId("partition-status")).hasText("building", within(15));
        assertThat(page.getByTestId("partition-history").locator("a[href='/builds/" + id + "']").first()).isVisible();
        assertThat(page.getByTestId("partition-status")).hasText("available", within(30));
    }

    @Test
    void aRefNoDefinitionMakesSaysSo() {
        expectedErrors.add("status of 404");
        signIn();
        page.navigate(kiln.server.baseUrl() + href("nowhere/1"));
        assertThat(page.getByTestId("partition-error")).containsText("No job definition of the build graph makes nowhere/1");
    }
}
