package dev.kiln.server.http;

/** The dashboard's single page (web/index.html), read once from the jar. */
final class DashboardPage {
    private static volatile byte[] index;

    private DashboardPage() {}

    static byte[] indexHtml() {
        byte[] html = index;
        if (html == null) {
            try (var in = DashboardPage.class.getResourceAsStream("/web/index.html")) {
                html = in.readAllBytes();
            } catch (java.io.IOException | NullPointerException e) {
                throw new IllegalStateException("the dashboard is missing from the jar", e);
            }
            index = html;
        }
        return html;
    }
}
