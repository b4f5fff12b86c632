package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.kiln.server.http.AgentLimits;
import dev.kiln.server.it.Api;
import dev.kiln.server.it.KilnTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The job page in a real Chromium against a real server: many events, short logs, and what it tells the user. */
class JobPageIT extends BrowserTest {
    private static final int ROW_PX = 18; // log-viewer.js: one log line

    @Override
    KilnTestServer startServer(Path dataDir) {
        // 100,000 events are 100,000 agent messages: the default 2,000 a second would spend 50 s only on sending them
        return KilnTestServer.start(dataDir, 2, new AgentLimits(1_000_000, AgentLimits.DEFAULTS.logBytesPerSecond()));
    }

    String finishedJob(Map<String, Object> spec) {
        String id = api.submit(spec).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(60), "succeeded");
        return id;
    }

    void openJob(String id) {
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        assertThat(page.getByTestId("status")).isVisible();
    }

    /** Runs a job to its end, signs in and opens its page; returns its id. */
    String openFinishedJob(String name, String command) {
        String id = finishedJob(Map.of("name", name, "command", command));
        signIn();
        openJob(id);
        return id;
    }

    static LocatorAssertions.HasTextOptions within(int seconds) {
        return new LocatorAssertions.HasTextOptions().setTimeout(seconds * 1000.0);
    }

    @Test
    void aHundredThousandEventsAreDrawnPerFrameInAScrollBoxOfTheirOwn() throws Exception {
        String id = api.submit(Map.of("name", "hundred thousand events",
                "command", "for i in $(seq 100000); do echo '{\"kind\":\"tick\",\"i\":'$i'}'; done >> \"$KILN_EVENTS\"")).get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(240), "succeeded");
        long total = 0;
        for (long after = 0; ; ) {
            JsonNode events = api.get("/api/v1/jobs/" + id + "/events?limit=5000&after=" + after).json();
            total += events.get("events").size();
            if (events.get("events").size() < 5000) break;
            after = events.get("next_after").asLong();
        }
        assertThat(total).as("the job's events, its own and Kiln's").isGreaterThan(100_000);

        signIn();
        long navigated = System.nanoTime();
        page.navigate(kiln.server.baseUrl() + "/jobs/" + id);
        String all = NumberFormat.getIntegerInstance(Locale.US).format(total) + " events";
        // generous: 100,000 WebSocket messages on a loaded machine; the old page never got past "500"
        assertThat(page.getByTestId("event-count")).hasText(all, within(180));
        // a figure, not a check: the issue asks for under 3 s (the old page took 126 s)
        System.out.printf("JobPageIT: %s drawn %d ms after navigation%n", all, (System.nanoTime() - navigated) / 1_000_000);
        assertThat(page.getByTestId("conn")).containsText("closed");

        Locator list = page.getByTestId("event-list");
        assertThat(list.locator(".ev")).hasCount(500);
        assertThat(list.locator(".ev").first()).containsText("job.finished");
        assertThat(page.getByTestId("events-capped")).containsText("newest 500");
        // the events scroll inside their box; the page stays about a window tall (it was 12,813 px)
        assertThat((Boolean) list.evaluate("l => l.scrollHeight > l.clientHeight && l.clientHeight < innerHeight")).isTrue();
        Number pageHeight = (Number) page.evaluate("() => document.documentElement.scrollHeight / innerHeight");
        assertThat(pageHeight.doubleValue()).as("page height in windows").isLessThan(2.5);

        var download = page.waitForDownload(() -> page.getByTestId("events-download").click());
        JsonNode downloaded = Api.JSON.readTree(Files.readString(download.path()));
        assertThat(downloaded.get("events").size()).as("events in the download").isEqualTo(total);
        assertThat(downloaded.get("events").get(1000).get("id").asLong())
                .isGreaterThan(downloaded.get("events").get(999).get("id").asLong());
        shots("job-100k-events");
    }

    @Test
    void aThreeLineLogFitsItsBoxAndAFinishedJobIsNotFollowed() {
        String id = openFinishedJob("three lines", "echo one; echo two; echo three");
        long lines = api.get("/api/v1/jobs/" + id + "/logs?limit=1").json().get("total_lines").asLong();
        assertThat(page.getByTestId("line-count")).hasText(lines + " lines");
        assertThat(page.locator(".logs .row[data-n='" + lines + "']")).isVisible();
        Locator viewport = page.locator(".logs .viewport");
        Number height = (Number) viewport.evaluate("v => v.clientHeight");
        assertThat(height.intValue()).as("log box height, px").isLessThanOrEqualTo((int) (lines + 1) * ROW_PX);
        assertThat((Boolean) viewport.evaluate("v => v.scrollHeight <= v.clientHeight")).as("every line in view").isTrue();
        assertThat(page.getByText("following ↓")).hasCount(0);
        shots("job-three-lines");
    }

    @Test
    void withoutAClipboardTheIdIsSelectedForCopyingNotClaimedCopied() {
        context.addInitScript("delete Navigator.prototype.clipboard");
        String id = openFinishedJob("no clipboard", "true");
        page.locator("button[title='Copy the full id']").click();
        assertThat(page.getByTestId("copy-state")).hasText("press Ctrl+C to copy");
        Locator field = page.getByTestId("id-to-copy");
        assertThat(field).hasValue(id);
        assertThat(page.getByText("copied")).hasCount(0);
        assertThat(field.evaluate("f => `focused=${document.activeElement === f} selected=${f.selectionStart}..${f.selectionEnd}`"))
                .isEqualTo("focused=true selected=0.." + id.length());
    }

    @Test
    void withAClipboardTheFullIdIsCopied() {
        context.grantPermissions(List.of("clipboard-read", "clipboard-write"));
        String id = openFinishedJob("clipboard", "true");
        page.locator("button[title='Copy the full id']").click();
        assertThat(page.locator("button[title='Copy the full id']")).hasText("copied");
        assertThat(page.evaluate("() => navigator.clipboard.readText()")).isEqualTo(id);
    }

    @Test
    void aCancelledJobEndsInTheNeutralToneAndStopsFollowing() {
        String id = api.submit(Map.of("name", "cancelled", "command", "echo waiting; sleep 60", "cancel_grace_seconds", 1))
                .get("id").asText();
        api.awaitStatus(id, Duration.ofSeconds(15), "running");
        signIn();
        openJob(id);
        assertThat(page.getByText("following ↓")).isVisible();
        api.post("/api/v1/jobs/" + id + "/cancel", "");
        assertThat(page.getByTestId("banner")).hasText("Cancelled by user", within(15));

        Locator finished = page.getByTestId("events").locator(".ev .mono", new Locator.LocatorOptions().setHasText("job.finished"));
        assertThat(finished).hasClass(Pattern.compile("\\btone-neutral\\b"));
        assertThat(finished).not().hasClass(Pattern.compile("\\btone-red\\b"));
        @SuppressWarnings("unchecked")
        var colours = (Map<String, String>) finished.evaluate("""
                el => {
                  const colour = (v) => { const p = document.createElement('span'); p.style.color = `var(${v})`;
                    document.body.append(p); const c = getComputedStyle(p).color; p.remove(); return c; };
                  return { shown: getComputedStyle(el).color, cancelled: colour('--st-cancelled'), failed: colour('--st-failed') };
                }""");
        assertThat(colours.get("shown")).isEqualTo(colours.get("cancelled")).isNotEqualTo(colours.get("failed"));
        assertThat(page.getByText("following ↓")).hasCount(0);
    }

    @Test
    void aCustomEventShowsItsMessageErrorAndOtherFields() {
        openFinishedJob("custom event", "echo '{\"kind\":\"deploy.note\",\"message\":\"rolled out to eu-west\","
                + "\"error\":\"2 pods restarted\",\"region\":\"eu\",\"pods\":{\"ok\":8}}' >> \"$KILN_EVENTS\"");
        Locator note = page.getByTestId("events").locator(".ev", new Locator.LocatorOptions().setHasText("deploy.note"));
        assertThat(note.getByTestId("ev-message")).hasText("rolled out to eu-west");
        assertThat(note.getByTestId("ev-error")).hasText("2 pods restarted");
        assertThat(note.getByTestId("ev-error")).hasClass(Pattern.compile("\\btone-red\\b"));
        assertThat(note.locator(".ev-field", new Locator.LocatorOptions().setHasText("region"))).containsText("eu");
        assertThat(note.locator(".ev-field", new Locator.LocatorOptions().setHasText("pods"))).containsText("{\"ok\":8}");
        assertThat(note.locator(".ev-field", new Locator.LocatorOptions().setHasText("kind"))).hasCount(0);
    }

    @Test
    void aLeaderboardsNumberHeadersSitOverTheirNumbers() {
        openFinishedJob("leaderboard", "echo '{\"kind\":\"table\",\"name\":\"leaderboard\",\"rows\":["
                + "{\"model\":\"lr\",\"auc\":0.91,\"folds\":5},{\"model\":\"rf\",\"auc\":0.95,\"folds\":3}]}' >> \"$KILN_EVENTS\"");
        Locator board = page.getByTestId("leaderboard");
        assertThat(board.locator("th").first()).hasText("model");
        String align = "el => getComputedStyle(el).textAlign";
        assertThat(board.locator("th", new Locator.LocatorOptions().setHasText("auc")).evaluate(align)).isEqualTo("right");
        assertThat(board.locator("th", new Locator.LocatorOptions().setHasText("folds")).evaluate(align)).isEqualTo("right");
        assertThat(board.locator("td.num").first().evaluate(align)).isEqualTo("right");
        assertThat(board.locator("th", new Locator.LocatorOptions().setHasText("model")).evaluate(align)).isEqualTo("left");
    }

    @Test
    void theRequestSnapshotReadsAsAListWithItsJsonOneClickAway() throws Exception {
        String id = finishedJob(Map.of("name", "snapshot", "command", "echo snapshot", "env", Map.of("STAGE", "test"), "priority", 3));
        signIn();
        openJob(id);
        Locator snapshot = page.getByTestId("snapshot");
        snapshot.locator("summary").click();
        Locator list = snapshot.getByTestId("snapshot-list");
        assertThat(list.locator("dt", new Locator.LocatorOptions().setHasText(Pattern.compile("^command$"))).locator("+ dd"))
                .hasText("echo snapshot");
        assertThat(list.locator("dt", new Locator.LocatorOptions().setHasText(Pattern.compile("^env$"))).locator("+ dd"))
                .hasText("STAGE=test");
        assertThat(list.locator("dt", new Locator.LocatorOptions().setHasText(Pattern.compile("^priority$"))).locator("+ dd"))
                .hasText("3");
        assertThat(snapshot.locator("pre")).hasCount(0);

        snapshot.getByTestId("snapshot-toggle").click();
        JsonNode shown = Api.JSON.readTree(snapshot.getByTestId("snapshot-json").textContent());
        assertThat(shown).isEqualTo(api.job(id).get("config"));
        snapshot.getByTestId("snapshot-toggle").click();
        assertThat(list).isVisible();
    }
}
