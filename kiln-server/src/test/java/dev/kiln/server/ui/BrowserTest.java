package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.kiln.server.it.Api;
import dev.kiln.server.it.KilnTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the browser tests share: a real server per test class ({@link #startServer}), the system Chromium, a fresh
 * context and page per test that fails the test on any console error (unless the test expects it), signing in as a
 * person does, screenshots in both themes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserTest {
    static final Path SHOTS = Paths.get("target", "screenshots");
    KilnTestServer kiln;
    Api api;
    Chromium chromium;
    Browser browser;
    BrowserContext context;
    Page page;
    final List<String> consoleErrors = new CopyOnWriteArrayList<>();
    /** The browser logs every 4xx response as a console error; a test that provokes one on purpose says so. */
    final List<String> expectedErrors = new CopyOnWriteArrayList<>();

    /** The server this class's tests run against: its embedded agent runs two jobs at a time. */
    KilnTestServer startServer(Path dataDir) {
        return KilnTestServer.start(dataDir, 2);
    }

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        kiln = startServer(dir.resolve("data"));
        api = kiln.api;
        Files.createDirectories(SHOTS);
        chromium = Chromium.launch();
        browser = chromium.browser;
    }

    @AfterAll
    void stop() {
        if (chromium != null) chromium.close();
        if (kiln != null) kiln.close();
    }

    @BeforeEach
    void openPage() {
        openPage(new Browser.NewContextOptions().setViewportSize(1280, 860).setLocale("en-US"));
    }

    /** A new context and page (closing the current ones), watched for console errors. */
    void openPage(Browser.NewContextOptions options) {
        if (context != null) context.close();
        context = browser.newContext(options);
        page = context.newPage();
        page.onConsoleMessage(m -> {
            if (m.type().equals("error")) consoleErrors.add(m.text());
        });
        page.onPageError(consoleErrors::add);
        page.setDefaultTimeout(15_000);
    }

    @AfterEach
    void closePage() {
        context.close();
        assertThat(consoleErrors.stream().filter(e -> expectedErrors.stream().noneMatch(e::contains)).toList())
                .as("console errors").isEmpty();
    }

    /** As a person does: the one-time URL that {@code kiln login-url} prints; returns on the activity page. */
    void signIn() {
        String adminTokenId = kiln.server.tokens().verify(kiln.api.token()).orElseThrow().tokenId();
        page.navigate(kiln.server.baseUrl() + "/login#code=" + kiln.server.signInCodes().issue(adminTokenId).code());
        assertThat(page.getByTestId("jobs-table")).isVisible();
    }

    /** The whole page in the light and the dark theme, switched as a person would; back to light after. */
    void shots(String name) {
        for (String theme : List.of("light", "dark")) {
            var toggle = page.locator("button[aria-label='Toggle theme']");
            boolean already = theme.equals(page.evaluate("() => document.documentElement.dataset.theme"));
            if (!already && toggle.count() > 0) toggle.click(); // as a person would, so the button's label follows
            else page.evaluate("t => { document.documentElement.dataset.theme = t; }", theme);
            page.waitForTimeout(150);
            page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + "-" + theme + ".png")).setFullPage(true));
        }
        var toggle = page.locator("button[aria-label='Toggle theme']");
        if (toggle.count() > 0) toggle.click();
        else page.evaluate("() => { document.documentElement.dataset.theme = 'light'; }");
    }
}
