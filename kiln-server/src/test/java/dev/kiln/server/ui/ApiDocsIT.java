package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.kiln.server.it.KilnTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/docs} in a real Chromium: Swagger UI renders one block per operation of the served document. */
class ApiDocsIT {
    @TempDir
    Path dir;

    @Test
    void theApiPageRendersEveryOperation() throws Exception {
        try (var kiln = KilnTestServer.startWithoutAgent(dir.resolve("data"));
             var playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
             Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                     .setExecutablePath(Paths.get(System.getenv().getOrDefault("KILN_CHROMIUM", "/usr/bin/chromium")))
                     .setArgs(List.of("--no-sandbox", "--disable-gpu")))) {
            var doc = kiln.api.get("/api/openapi.json").json();
            int operations = 0;
            for (var path : doc.get("paths")) operations += path.size();

            Page page = browser.newPage();
            var errors = new ArrayList<String>();
            page.onPageError(errors::add);
            page.navigate(kiln.api.base() + "/api/docs");
            assertThat(page.getByText("Kiln API").first()).isVisible();
            assertThat(page.locator(".opblock")).hasCount(operations);
            assertThat(page.locator(".opblock-summary-description", new Page.LocatorOptions().setHasText("Submit a job")).first()).isVisible();
            Files.createDirectories(Paths.get("target", "screenshots"));
            page.screenshot(new Page.ScreenshotOptions().setPath(Paths.get("target", "screenshots", "api-docs.png")).setFullPage(false));
            assertThat(errors).isEmpty();
        }
    }
}
