package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.ColorScheme;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The dashboard in a real Chromium against a real server. Screenshots go to target/screenshots/. */
class DashboardIT extends BrowserTest {
    /** As a person does, and the cookie it leaves is a lasting session, not the token. */
    @Override
    void signIn() {
        super.signIn();
        var session = context.cookies().stream().filter(c -> c.name.equals("kiln_session")).findFirst().orElseThrow();
        org.assertj.core.api.Assertions.assertThat(session.value).as("the cookie holds a session, not the token").isNotEqualTo(api.token());
        org.assertj.core.api.Assertions.assertThat(session.expires).as("it outlives the browser").isPositive();
        org.assertj.core.api.Assertions.assertThat(session.httpOnly).isTrue();
    }

    static LocatorAssertions.IsVisibleOptions within(int seconds) {
        return new LocatorAssertions.IsVisibleOptions().setTimeout(seconds * 1000.0);
    }

    @Test
    void signInSubmitFromTheFormAndWatchTheJobRunLive() {
        page.navigate(kiln.server.baseUrl() + "/");
        assertThat(page).hasURL(Pattern.compile(".*/login.*"));
        shots("login");
        expectedErrors.add("status of 401");
        page.locator("#token").fill("kiln_wrong");
        page.locator("button[type=submit]").click();
        assertThat(page.getByTestId("login-error")).isVisible();
        page.locator("#token").fill(api.token());
        page.locator("button[type=submit]").click();
        assertThat(page.getByTestId("jobs-table")).isVisible();

        page.locator("a[href='/submit']").click();
        page.locator("#command").fill("for i in 1 2 3 4 5 6; do echo \"line $i\"; echo \"warn $i\" >&2; sleep 0.5; done; printf '\\033[32mgreen\\033[0m\\n'");
        page.locator("#name").fill("from the form");
        shots("submit");
        page.getByTestId("submit").click();
        assertThat(page).hasURL(Pattern.compile(".*/jobs/[0-9a-f-]{36}"));
        assertThat(page.getByTestId("status")).hasText("running", new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(15_000));
        assertThat(page.locator(".indicator.busy")).isVisible(within(10));
        assertThat(page.locator(".logs .row.STDOUT", new Page.LocatorOptions().setHasText("line 2"))).isVisible(within(10));
        assertThat(page.getByTestId("status")).hasText("running");
        shots("job-running");
        assertThat(page.getByTestId("status")).hasText("succeeded", new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(20_000));
        assertThat(page.getByTestId("banner")).hasText("✓ Succeeded");
        assertThat(page.locator(".logs .row.STDERR", new Page.LocatorOptions().setHasText("warn 6"))).isVisible();
        assertThat(page.locator(".logs .row span[style*='color']", new Page.LocatorOptions().setHasText("green"))).isVisible();
        assertThat(page.getByTestId("events").locator(".tone-green", new Locator.LocatorOptions().setHasText("job.finished"))).isVisible();
        assertThat(page.locator(".indicator.idle")).isVisible(within(10));
        shots("job-succeeded");

        page.locator("a[href='/']").first().click();
        assertThat(page.getByTestId("jobs-table").locator("text=from the form")).isVisible();
        shots("activity");
    }

    @Test
    void cancelShowsTheGreyBannerAndRerunOpensTheNewJob() {
        signIn();
        String id = api.submit(Map.of("command", "echo waiting; sleep 60", "cancel_grace_seconds", 1, "name", "to cancel")).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(10), "running");
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        assertThat(page.getByTestId("status")).hasText("running");
        page.getByTestId("cancel").click();
        assertThat(page.getByTestId("banner")).hasText("Cancelled by user", new LocatorAssertions.HasTextOptions().setTimeout(10_000));
        assertThat(page.getByTestId("cancel")).hasCount(0);
        shots("job-cancelled");
        page.getByTestId("rerun").click();
        assertThat(page).hasURL(Pattern.compile(".*/jobs/(?!" + id + ")[0-9a-f-]{36}"));
        assertThat(page.locator("text=re-run of")).isVisible();
        String newId = page.url().substring(page.url().lastIndexOf('/') + 1);
        api.post("/api/v1/jobs/" + newId + "/cancel", "");
    }

    @Test
    void aShortIdInTheAddressOpensTheJobUnderItsWholeId() {
        signIn();
        String id = api.submit(Map.of("command", "echo short-id-deep-link", "name", "deep link")).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(20), "succeeded");
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id.substring(0, 8));
        assertThat(page).hasURL(kiln.server.baseUrl() + "/jobs/" + id);
        assertThat(page.getByTestId("status")).hasText("succeeded");
        assertThat(page.locator(".logs .row.STDOUT", new Page.LocatorOptions().setHasText("short-id-deep-link"))).isVisible(within(10));
    }

    @Test
    void aMillionLineLogOpensAtTheEnd() {
        signIn();
        String id = api.submit(Map.of("command", "seq 1 1000000", "name", "million")).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(120), "succeeded");
        long total = api.get("/api/v1/jobs/" + id + "/logs?limit=1").json().get("total_lines").asLong();
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        // the last line is Kiln's own "exit code 0"; the job's last line is just above it
        // (how long opening takes is a figure: kiln-bench --scenario log-open)
        assertThat(page.locator(".logs .row[data-n='" + total + "'] .t")).hasText("[agent] exit code 0", new LocatorAssertions.HasTextOptions().setTimeout(15_000));
        assertThat(page.locator(".logs .row[data-n='" + (total - 1) + "'] .t")).hasText("1000000");
        assertThat(page.locator(".logs .row").count()).as("rows in the DOM").isLessThan(300);
        // find-in-log reaches back through pages fetched from the server
        page.locator("input[name=find]").fill("500000");
        page.locator("input[name=find]").press("Enter");
        assertThat(page.locator(".logs .row.hit .t")).hasText("500000", new LocatorAssertions.HasTextOptions().setTimeout(20_000));
        shots("job-million-lines");
    }

    @Test
    void validationErrorsAppearAtTheirFields() {
        signIn();
        page.navigate(kiln.server.baseUrl() + "/submit");
        page.locator("#command").fill("true");
        page.locator("#priority").fill("very high");
        page.locator("#target_architecture").fill("ARM 64!");
        expectedErrors.add("status of 400");
        page.getByTestId("submit").click();
        assertThat(page.getByTestId("error-priority")).containsText("whole number");
        assertThat(page.getByTestId("error-target_architecture")).isVisible();
        assertThat(page).hasURL(Pattern.compile(".*/submit"));
        shots("submit-errors");
    }

    @Test
    void queueAndWorkersShowWhyJobsWaitAndDrainWorks() {
        signIn();
        String id = api.submit(Map.of("command", "true", "target_architecture", "s390x", "name", "waits forever")).get("id").asText();
        page.navigate(kiln.server.baseUrl() + "/queue");
        assertThat(page.getByTestId("queue-table").locator("text=no online agent has arch=s390x")).isVisible();
        assertThat(page.getByTestId("workers-table").locator("text=embedded")).isVisible();
        shots("queue");
        page.getByTestId("drain").click();
        assertThat(page.getByTestId("resume")).isVisible();
        page.getByTestId("resume").click();
        assertThat(page.getByTestId("drain")).isVisible();
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        assertThat(page.getByTestId("waiting")).containsText("no online agent has arch=s390x");
        api.post("/api/v1/jobs/" + id + "/cancel", "");
    }

    @Test
    void aLeaderboardFromTheJobsOwnTable() {
        signIn();
        String id = api.submit(Map.of("command", "sleep 1; echo '{\"kind\":\"table\",\"name\":\"leaderboard\",\"rows\":["
                + "{\"model\":\"lr\",\"auc\":0.9123456,\"folds\":5,\"tiny\":0.00001},"
                + "{\"model\":\"rf\",\"auc\":0.95,\"folds\":3,\"tiny\":0.5}]}' >> $KILN_EVENTS; "
                + "echo '{\"kind\":\"model.fitted\",\"duration_ms\":850}' >> $KILN_EVENTS; sleep 1")).get("id").asText();
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        Locator board = page.getByTestId("leaderboard");
        assertThat(board.locator("th").first()).hasText("model", new LocatorAssertions.HasTextOptions().setTimeout(15_000));
        assertThat(board.locator("td", new Locator.LocatorOptions().setHasText("0.9123"))).hasText("0.9123");
        assertThat(board.locator("td", new Locator.LocatorOptions().setHasText("e-5"))).hasText("1.00e-5");
        assertThat(board.locator("td.num", new Locator.LocatorOptions().setHasText(Pattern.compile("^5$")))).hasCount(1);
        board.locator("th", new Locator.LocatorOptions().setHasText("auc")).click();
        assertThat(board.locator("tbody tr").first().locator("td").first()).hasText("rf");
        board.locator("th", new Locator.LocatorOptions().setHasText("auc")).click();
        assertThat(board.locator("tbody tr").first().locator("td").first()).hasText("lr");
        assertThat(page.getByTestId("events").locator("text=850ms")).isVisible();
        shots("job-leaderboard");
    }

    @Test
    void signedOutTheEventsPanelShowsTheSignInMessage() {
        String id = api.submit(Map.of("command", "true")).get("id").asText();
        expectedErrors.add("status of 401"); // the panel's first read, refused as it should be
        page.navigate(kiln.server.baseUrl() + "/login");
        page.evaluate("id => { const el = document.createElement('kiln-event-stream'); el.jobId = id; document.body.append(el); }", id);
        assertThat(page.getByTestId("events-error")).hasText("Sign in to see live events.");
        assertThat(page.getByTestId("conn")).containsText("error");
    }

    /** Keeps every EventSource and WebSocket the page opens in window.__sources / window.__sockets, for the test to see. */
    static final String RECORD_CONNECTIONS = """
            window.__sources = []; window.__sockets = [];
            const ES = window.EventSource, WS = window.WebSocket;
            window.EventSource = class extends ES { constructor(...a) { super(...a); window.__sources.push(this); } };
            window.WebSocket = class extends WS { constructor(...a) { super(...a); window.__sockets.push(this); } };
            """;
    static final String STREAMS = "window.__sources.filter(s => s.url.includes('/api/v1/stream'))";
    /** The event panel's sockets: events only, the line cursor past any log (job-socket.js's NONE). */
    static final String EVENT_SOCKETS = "window.__sockets.filter(s => s.url.includes('after_line=9007199254740991'))";
    /** Without SharedWorker the tab holds its own stream (live.js's fallback), where RECORD_CONNECTIONS sees it. */
    static final String NO_SHARED_WORKER = "delete window.SharedWorker;";

    static long afterOf(String url) {
        var m = Pattern.compile("(?:after(?:_event)?|since)=(\\d+)").matcher(url);
        assertThat(m.find()).as("a cursor in " + url).isTrue();
        return Long.parseLong(m.group(1));
    }

    void setHidden(boolean hidden) {
        Chromium.setHidden(page, hidden);
    }

    @Test
    void withoutSharedWorkerTheTabsOwnStreamResumesFromItsCursorAndRestsWhileHidden() {
        page.addInitScript(NO_SHARED_WORKER + RECORD_CONNECTIONS);
        signIn();
        page.locator("a[href='/queue']").click();
        assertThat(page.getByTestId("workers-table")).isVisible();
        page.locator("header a[href='/']").last().click();
        String id = api.submit(Map.of("command", "echo started; sleep 60", "name", "watched live", "cancel_grace_seconds", 1)).get("id").asText();
        try {
            // the list shows the new job by itself (a live event refreshes the first page), and it opens client-side
            page.getByTestId("jobs-table").locator("a", new Locator.LocatorOptions().setHasText("watched live")).click();
            assertThat(page.getByTestId("status")).hasText("running", new LocatorAssertions.HasTextOptions().setTimeout(15_000));
            assertThat(page.evaluate("() => " + STREAMS + ".length")).as("streams opened across three pages").isEqualTo(1);

            // a stream the browser gave up on comes back, from the last event it saw
            page.evaluate("() => { const s = " + STREAMS + "[0]; s.close(); s.dispatchEvent(new Event('error')); }");
            page.waitForFunction("() => " + STREAMS + ".length === 2 && " + STREAMS + "[1].readyState === 1");
            long cursor = afterOf((String) page.evaluate("() => " + STREAMS + "[1].url"));
            assertThat(cursor).as("resumed after an event id").isPositive();

            // hidden: the stream is closed and nothing is polled
            List<String> requests = new CopyOnWriteArrayList<>();
            page.onRequest(r -> requests.add(r.url()));
            setHidden(true);
            assertThat(page.evaluate("() => " + STREAMS + "[1].readyState")).isEqualTo(2);
            requests.clear();
            page.waitForTimeout(3_500); // longer than the job page's 3 s status poll
            assertThat(requests).as("requests from a hidden tab").isEmpty();

            // shown again: the stream reopens from where it stopped, and the status is asked at once
            setHidden(false);
            page.waitForFunction("() => " + STREAMS + ".length === 3 && " + STREAMS + "[2].readyState === 1");
            assertThat(afterOf((String) page.evaluate("() => " + STREAMS + "[2].url"))).isGreaterThanOrEqualTo(cursor);
            assertThat(requests.stream().anyMatch(u -> u.endsWith("/api/v1/jobs/" + id + "/status"))).isTrue();

            page.getByTestId("cancel").click();
            assertThat(page.getByTestId("banner")).hasText("Cancelled by user", new LocatorAssertions.HasTextOptions().setTimeout(10_000));
            assertThat(page.locator(".indicator.idle")).isVisible(within(10));
        } finally {
            api.post("/api/v1/jobs/" + id + "/cancel", "");
        }
    }

    @Test
    void theJobsEventSocketReconnectsFromItsCursorAsOftenAsItDrops() {
        page.addInitScript(RECORD_CONNECTIONS);
        signIn();
        String id = api.submit(Map.of("command", "sleep 6", "name", "dropping socket")).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(10), "running");
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        Locator events = page.getByTestId("events");
        assertThat(events.locator("text=job.started")).isVisible();
        // the running job's page follows its log and its events over WebSockets, no SSE: no tab's job page takes one of
        // the browser's six connections per host (LiveTabsIT shows WebSockets are not counted)
        assertThat((Number) page.evaluate("() => window.__sources.filter(s => s.url.includes('/logs/stream')).length")).isEqualTo(0);
        page.waitForFunction("() => window.__sockets.some(s => s.url.includes('after_event=9007199254740991'))");
        for (int drop = 1; drop <= 3; drop++) {
            page.evaluate("() => " + EVENT_SOCKETS + ".at(-1).close()");
            page.waitForFunction("n => " + EVENT_SOCKETS + ".length === n + 1 && " + EVENT_SOCKETS + ".at(-1).readyState === 1", drop);
            assertThat(page.getByTestId("conn")).containsText("live");
        }
        assertThat(afterOf((String) page.evaluate("() => " + EVENT_SOCKETS + ".at(-1).url"))).as("after_event").isPositive();
        assertThat(events.locator(".ev", new Locator.LocatorOptions().setHasText("job.started"))).hasCount(1);
        assertThat(events.locator(".tone-green", new Locator.LocatorOptions().setHasText("job.finished")))
                .isVisible(within(15));
        assertThat(page.getByTestId("conn")).containsText("closed");
        assertThat(page.getByTestId("events-error")).hasCount(0);
    }

    @Test
    void theJobsListPagesByCursorAndKeepsItsFiltersInTheAddress() {
        List<String> ids = new java.util.ArrayList<>();
        try {
            // s390x: no agent takes them, so 26 jobs cost nothing
            for (int i = 1; i <= 26; i++) {
                ids.add(api.submit(Map.of("command", "true", "target_architecture", "s390x", "name", "pager-" + i)).get("id").asText());
            }
            signIn();
            page.navigate(kiln.server.baseUrl() + "/?text=pager-");
            Locator rows = page.getByTestId("jobs-table").locator("tbody tr");
            assertThat(rows).hasCount(25);
            assertThat(rows.first()).containsText("pager-26");
            page.locator("button", new Page.LocatorOptions().setHasText("Older")).click();
            assertThat(rows).hasCount(1);
            assertThat(rows.first()).containsText("pager-1");
            page.locator("button", new Page.LocatorOptions().setHasText("Newer")).click();
            assertThat(rows).hasCount(25);
            page.locator("select[name=status]").selectOption("succeeded");
            page.locator("button", new Page.LocatorOptions().setHasText("Filter")).click();
            assertThat(rows.first()).containsText("No jobs match");
            assertThat(page).hasURL(Pattern.compile(".*/\\?status=succeeded&text=pager-$"));
            page.reload();
            assertThat(page.locator("select[name=status]")).hasValue("succeeded");
            assertThat(page.locator("input[name=text]")).hasValue("pager-");
        } finally {
            ids.forEach(id -> api.post("/api/v1/jobs/" + id + "/cancel", ""));
        }
    }

    @Test
    void onAPhoneThePagesStillRead() {
        openPage(new Browser.NewContextOptions().setViewportSize(390, 844).setColorScheme(ColorScheme.DARK));
        signIn();
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("phone-activity.png")).setFullPage(true));
        assertThat(page.getByTestId("jobs-table")).isVisible();
    }
}
