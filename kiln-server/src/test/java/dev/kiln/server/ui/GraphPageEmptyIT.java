package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import org.junit.jupiter.api.Test;

/** The graph page of a server with no build graph: it says so and how to load one, instead of an empty diagram. */
class GraphPageEmptyIT extends BrowserTest {
    @Test
    void withoutAGraphThePageSaysHowToLoadOne() {
        signIn();
        page.locator("header nav a[href='/graph']").click();
        assertThat(page.getByTestId("graph-empty")).containsText("No build graph is loaded");
        assertThat(page.getByTestId("graph-empty")).containsText("--graph kiln.yaml");
        assertThat(page.getByTestId("graph-diagram")).hasCount(0);
        assertThat(page.getByTestId("build-form")).hasCount(0);
        shots("graph-empty");
    }
}
