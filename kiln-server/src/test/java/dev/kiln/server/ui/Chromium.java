package dev.kiln.server.ui;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/** The system Chromium under Playwright (no browser is downloaded; KILN_CHROMIUM names another one). */
final class Chromium implements AutoCloseable {
    private final Playwright playwright;
    final Browser browser;

    private Chromium(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    static Chromium launch() {
        var playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        return new Chromium(playwright, playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Paths.get(System.getenv().getOrDefault("KILN_CHROMIUM", "/usr/bin/chromium")))
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync"))));
    }

    /** What Page Visibility tells the page's scripts: hidden (a background tab) or shown. */
    static void setHidden(Page page, boolean hidden) {
        page.evaluate("h => { Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });"
                + " document.dispatchEvent(new Event('visibilitychange')); }", hidden);
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
