package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.kiln.server.it.Api;
import dev.kiln.server.events.Event;
import dev.kiln.server.http.TlsConfig;
import dev.kiln.server.it.KilnTestServer;
import dev.kiln.server.it.TestKeystore;
import dev.kiln.server.live.EventFeed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many tabs of one browser over plain HTTP/1.1, where Chromium opens at most six connections per host: the tabs share
 * one event stream (held by live.js's SharedWorker), so none of them starves. Counted on the server.
 */
class LiveTabsIT {
    static final int TABS = 8;

    @TempDir
    static Path dir;
    static KilnTestServer kiln;
    static Api api;
    static Chromium chromium;

    @BeforeAll
    static void start() {
        kiln = KilnTestServer.start(dir.resolve("data"), 2);
        api = kiln.api;
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        if (chromium != null) chromium.close();
        kiln.close();
    }

    @Test
    void eightTabsShareOneStreamGetLiveUpdatesWithTheirWebSocketsOpenRestTogetherAndReloadOnReset() {
        String sleeper = api.submit(Map.of("command", "sleep 300", "name", "held open", "cancel_grace_seconds", 1)).get("id").asText();
        BrowserContext context = chromium.browser.newContext();
        try {
            List<Page> tabs = new ArrayList<>();
            String adminTokenId = kiln.server.tokens().verify(api.token()).orElseThrow().tokenId();
            Page first = context.newPage();
            first.navigate(kiln.server.baseUrl() + "/login#code=" + kiln.server.signInCodes().issue(adminTokenId).code());
            tabs.add(first);
            for (int i = 1; i < TABS; i++) {
                Page tab = context.newPage();
                tab.navigate(kiln.server.baseUrl() + "/");
                tabs.add(tab);
            }
            for (Page tab : tabs) assertThat(tab.getByTestId("jobs-table")).isVisible();
            await("one stream for all tabs").atMost(Duration.ofSeconds(15)).until(() -> kiln.server.api().openStreams() == 1);

            // each tab also holds a WebSocket, as the job page does: Chromium does not count them in the six
            String ws = kiln.server.baseUrl().replace("http://", "ws://") + "/api/v1/jobs/" + sleeper + "/events/ws?token=" + api.token();
            for (Page tab : tabs) {
                tab.evaluate("url => new Promise((open, fail) => { window.__ws = new WebSocket(url); "
                        + "window.__ws.onopen = open; window.__ws.onerror = () => fail(new Error('socket')); })", ws);
            }

            // a job submitted through the API appears in every tab by itself (each refetches its list: fetches still flow)
            String name = "seen in every tab";
            api.submit(Map.of("command", "true", "name", name));
            for (Page tab : tabs) {
                assertThat(tab.getByTestId("jobs-table").locator("a", new Locator.LocatorOptions().setHasText(name))).isVisible();
            }
            Page late = context.newPage(); // and yet another tab still loads
            late.navigate(kiln.server.baseUrl() + "/");
            assertThat(late.getByTestId("jobs-table").locator("a", new Locator.LocatorOptions().setHasText(name))).isVisible();
            tabs.add(late);
            assertThat(kiln.server.api().openStreams()).as("streams with %d tabs open", tabs.size()).isEqualTo(1);
            assertThat(tabs).allSatisfy(tab -> assertThat(tab.evaluate("() => window.__ws?.readyState ?? 1")).isEqualTo(1));

            // every tab hidden: the browser holds no stream; one shown again: one stream, which resumes
            for (Page tab : tabs) Chromium.setHidden(tab, true);
            await("no stream while every tab is hidden").atMost(Duration.ofSeconds(30)).until(() -> kiln.server.api().openStreams() == 0);
            // meanwhile more happens than the stream replays, and then a job runs: its events are past the replay
            kiln.server.store().write(tx -> IntStream.rangeClosed(0, EventFeed.MAX_REPLAY)
                    .mapToObj(i -> tx.appendEvent(Event.draft(null, "test.filler", Map.of()))).toList()).join();
            String missed = "missed while resting";
            api.awaitStatus(api.submit(Map.of("command", "true", "name", missed)).get("id").asText(), Duration.ofSeconds(20), "succeeded");
            Chromium.setHidden(tabs.get(3), false);
            await("one stream again").atMost(Duration.ofSeconds(15)).until(() -> kiln.server.api().openStreams() == 1);
            // the stream said reset, and every tab reloaded its list
            for (Page tab : tabs) {
                assertThat(tab.getByTestId("jobs-table").locator("a", new Locator.LocatorOptions().setHasText(missed))).isVisible();
            }
            String after = "seen after the rest";
            api.submit(Map.of("command", "true", "name", after));
            for (Page tab : tabs) {
                assertThat(tab.getByTestId("jobs-table").locator("a", new Locator.LocatorOptions().setHasText(after))).isVisible();
            }
        } finally {
            context.close();
            api.post("/api/v1/jobs/" + sleeper + "/cancel", "");
        }
    }

    @Test
    void overTlsChromiumSpeaksH2AndTheStreamAndAJobSocketWorkOnIt(@TempDir Path tmp) throws Exception {
        var keystore = TestKeystore.create(tmp);
        var tls = new TlsConfig(keystore.file(), keystore.password(), 0);
        try (var secure = KilnTestServer.start(tmp.resolve("data"), 1, c -> c.withTls(tls))) {
            String base = "https://localhost:" + secure.server.tlsPort();
            BrowserContext context = chromium.browser.newContext(new Browser.NewContextOptions().setIgnoreHTTPSErrors(true));
            try {
                Page page = context.newPage();
                String adminTokenId = secure.server.tokens().verify(secure.api.token()).orElseThrow().tokenId();
                page.navigate(base + "/login#code=" + secure.server.signInCodes().issue(adminTokenId).code());
                assertThat(page.getByTestId("jobs-table")).isVisible();
                assertThat(page.evaluate("() => performance.getEntriesByType('navigation')[0].nextHopProtocol")).isEqualTo("h2");
                await("the tab's stream").atMost(Duration.ofSeconds(15)).until(() -> secure.server.api().openStreams() == 1);

                String name = "live over h2";
                String id = secure.api.submit(Map.of("command", "echo over-tls", "name", name)).get("id").asText();
                assertThat(page.getByTestId("jobs-table").locator("a", new Locator.LocatorOptions().setHasText(name))).isVisible();
                String ws = base.replace("https://", "wss://") + "/api/v1/jobs/" + id + "/events/ws?token=" + secure.api.token();
                Object closing = page.evaluate("url => new Promise((done, fail) => { const ws = new WebSocket(url);"
                        + " ws.onmessage = (m) => { const d = JSON.parse(m.data); if (d.type === 'job.closed') done(d.status); };"
                        + " ws.onerror = () => fail(new Error('socket')); })", ws);
                assertThat(closing).isEqualTo("succeeded");
            } finally {
                context.close();
            }
        }
    }
}
