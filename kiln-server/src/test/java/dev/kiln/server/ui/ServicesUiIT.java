package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.assertions.LocatorAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header indicator (seed 003) and the Services page in a real Chromium: "Server running (name)" while a service
 * runs (after "Starting server…" until it is ready), "+N" with two builds and the list of all of them, and Stop.
 * Screenshots in both themes go to target/screenshots/.
 */
class ServicesUiIT extends BrowserTest {
    @TempDir
    Path dir;

    static LocatorAssertions.HasTextOptions within(int seconds) {
        return new LocatorAssertions.HasTextOptions().setTimeout(seconds * 1000.0);
    }

    /** Both themes without clicking the theme button: a click elsewhere would close the open list. */
    void openShots(String name) {
        for (String theme : java.util.List.of("light", "dark")) {
            page.evaluate("t => { document.documentElement.dataset.theme = t; }", theme);
            page.screenshot(new com.microsoft.playwright.Page.ScreenshotOptions()
                    .setPath(SHOTS.resolve(name + "-" + theme + ".png")).setFullPage(true));
        }
        page.evaluate("() => { document.documentElement.dataset.theme = 'light'; }");
    }

    /** Whatever a test left running is cancelled, so the next one has both slots. */
    @org.junit.jupiter.api.AfterEach
    void cancelTheRest() {
        for (var job : api.get("/api/v1/jobs?status=queued,assigned,running,stopping,cancelling&limit=100").json().get("jobs")) {
            api.post("/api/v1/jobs/" + job.get("id").asText() + "/cancel", "");
        }
    }

    String waitingFor(Path file) {
        return "while [ ! -f " + file + " ]; do sleep 0.05; done";
    }

    @Test
    void theIndicatorCountsTwoBuildsListsThemAndSaysServerRunningWhileAServiceRuns() throws Exception {
        signIn();
        Path builds = dir.resolve("builds-go");
        String app = api.submit(Map.of("name", "app", "command", waitingFor(builds))).get("id").asText();
        String lib = api.submit(Map.of("name", "lib", "command", waitingFor(builds))).get("id").asText();
        api.awaitStatus(app, Duration.ofSeconds(10), "running");
        api.awaitStatus(lib, Duration.ofSeconds(10), "running");
        assertThat(page.getByTestId("indicator-label")).hasText(Pattern.compile("Building \\((app|lib)\\)"), within(10));
        assertThat(page.getByTestId("indicator-more")).hasText("+1");
        shots("indicator-two-builds");

        page.getByTestId("indicator").click();
        var list = page.getByTestId("activity-list");
        assertThat(list.locator("a[href='/jobs/" + app + "']")).containsText("Building (app)");
        assertThat(list.locator("a[href='/jobs/" + lib + "']")).containsText("Building (lib)");
        openShots("indicator-list");
        list.locator("a[href='/jobs/" + lib + "']").click();
        assertThat(page).hasURL(Pattern.compile(".*/jobs/" + lib));
        assertThat(page.getByTestId("activity-list")).hasCount(0);

        Files.writeString(builds, "");
        assertThat(page.locator(".indicator.idle")).hasText("Idle", within(20));

        Path ready = dir.resolve("web-ready");
        String web = api.submit(Map.of("name", "web", "service", true, "cancel_grace_seconds", 1,
                "command", "echo booting; " + waitingFor(ready) + "; echo 'listening on :8080'; sleep 600",
                "ready_when", Map.of("log", "listening on"))).get("id").asText();
        assertThat(page.getByTestId("indicator-label")).hasText("Starting server…", within(10));
        Files.writeString(ready, "");
        assertThat(page.getByTestId("indicator-label")).hasText("Server running (web)", within(10));
        assertThat(page.getByTestId("indicator-more")).hasCount(0);
        shots("indicator-server-running");

        api.post("/api/v1/jobs/" + web + "/stop", "");
        api.awaitStatus(web, Duration.ofSeconds(30), "stopped");
        assertThat(page.locator(".indicator.idle")).hasText("Idle", within(10));
    }

    @Test
    void theServicesPageListsRunningServicesWithUptimeAndStopsOne() {
        signIn();
        String api1 = api.submit(Map.of("name", "api", "service", true, "command", "sleep 600", "cancel_grace_seconds", 1))
                .get("id").asText();
        String worker = api.submit(Map.of("name", "worker", "service", true, "command", "sleep 600", "cancel_grace_seconds", 1))
                .get("id").asText();
        api.awaitStatus(api1, Duration.ofSeconds(10), "running");
        api.awaitStatus(worker, Duration.ofSeconds(10), "running");

        page.locator("header nav a[href='/services']").click();
        assertThat(page).hasURL(Pattern.compile(".*/services"));
        var apiRow = page.locator("[data-testid=service-row][data-id='" + api1 + "']");
        var workerRow = page.locator("[data-testid=service-row][data-id='" + worker + "']");
        assertThat(apiRow).containsText("api");
        assertThat(apiRow).containsText("running");
        assertThat(apiRow.getByTestId("uptime")).hasText(Pattern.compile("\\d+(\\.\\d)?s|\\d+m \\d+s"));
        assertThat(workerRow).isVisible();
        assertThat(page.getByTestId("indicator-label")).hasText(Pattern.compile("Server running \\((api|worker)\\)"), within(10));
        shots("services");

        apiRow.getByTestId("stop").click();
        assertThat(apiRow).hasCount(0, new LocatorAssertions.HasCountOptions().setTimeout(20_000));
        org.assertj.core.api.Assertions.assertThat(api.job(api1).get("status").asText()).isEqualTo("stopped");
        assertThat(workerRow).isVisible();
        assertThat(page.getByTestId("indicator-label")).hasText("Server running (worker)", within(10));

        workerRow.getByTestId("stop").click();
        assertThat(page.getByTestId("no-services")).isVisible();
        assertThat(page.locator(".indicator.idle")).hasText("Idle", within(10));
        shots("services-none");
    }

    @Test
    void aServicesJobPageSaysStartingUntilReadyAndStopsIt() throws Exception {
        signIn();
        Path ready = dir.resolve("page-ready");
        String id = api.submit(Map.of("name", "preview", "service", true, "cancel_grace_seconds", 1,
                "command", waitingFor(ready) + "; echo 'listening on :3000'; sleep 600",
                "ready_when", Map.of("log", "listening on"))).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(10), "running");
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        assertThat(page.getByTestId("status")).hasText("starting", within(10));
        Files.writeString(ready, "");
        assertThat(page.getByTestId("status")).hasText("running", within(10));
        assertThat(page.getByTestId("cancel")).hasCount(0);
        page.getByTestId("stop").click();
        assertThat(page.getByTestId("status")).hasText("stopped", within(20));
        org.assertj.core.api.Assertions.assertThat(api.job(id).get("error_message").asText()).isEqualTo("Stopped by user");
    }
}
