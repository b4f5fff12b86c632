package dev.kiln.server.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.server.it.KilnTestServer;
import dev.kiln.server.it.WebhookReceiver;
import dev.kiln.server.notify.Notifications;
import dev.kiln.server.notify.Signatures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin's Notifications page and a job's notifications on its page, in Chromium, against a real receiver. */
class NotificationsPageIT extends BrowserTest {

    @Override
    KilnTestServer startServer(Path dataDir) {
        return KilnTestServer.start(dataDir, 2, c -> c.withNotifications(
                new Notifications.Settings(1, Notifications.GIVE_UP_AFTER, Notifications.TIMEOUT)));
    }

    @Test
    void anAdminSubscribesSeesTheSecretOnceTheDeliveryLogAndSendsATest() throws Exception {
        try (var receiver = WebhookReceiver.started()) {
            signIn();
            page.navigate(kiln.server.baseUrl() + "/notifications");
            assertThat(page.getByTestId("subscriptions")).containsText("No subscriptions yet");

            // bad input: the API's message at its field
            page.locator("#url").fill("ftp://example.com/hook");
            expectedErrors.add("status of 400");
            page.getByTestId("create").click();
            assertThat(page.getByTestId("error-url")).containsText("http:// or https://");

            page.locator("#url").fill(receiver.url("/hook"));
            page.locator("input[name=events][value='job.succeeded']").check();
            page.locator("#type").fill("build");
            page.getByTestId("create").click();
            assertThat(page.getByTestId("new-secret")).isVisible();
            String secret = page.getByTestId("secret").innerText().strip();
            assertThat(secret).startsWith("whsec_");
            assertThat(page.getByTestId("subscription")).hasCount(1);
            shots("notifications-created");

            String failing = api.submit(Map.of("name", "nightly", "command", "echo broken; exit 2",
                    "notify", List.of(Map.of("url", receiver.url("/own"), "on", List.of("job.failed"))))).get("id").asText();
            api.awaitStatus(failing, Duration.ofSeconds(60), "failed");
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.receivedAt("/hook").size() == 1
                    && receiver.receivedAt("/own").size() == 1);
            var got = receiver.receivedAt("/hook").getFirst();
            assertThat(got.signature()).isEqualTo(Signatures.sign(secret, got.body().getBytes(StandardCharsets.UTF_8)));

            // the log (open since the subscription was made) shows the delivery; Send test adds one more
            assertThat(page.getByTestId("delivery")).hasCount(1);
            assertThat(page.getByTestId("status-code")).hasText("200");
            page.getByTestId("send-test").click();
            assertThat(page.getByTestId("delivery")).hasCount(2);
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.receivedAt("/hook").size() == 2);
            assertThat(receiver.receivedAt("/hook").get(1).event()).isEqualTo("notification.test");
            assertThat(page.getByTestId("delivery-log").locator("text=delivered")).hasCount(2);
            page.getByText("I have stored it").click();
            assertThat(page.getByTestId("new-secret")).hasCount(0);
            shots("notifications");

            // the job page: its own target and both deliveries about it
            page.navigate(kiln.server.baseUrl() + "/jobs/" + failing);
            var panel = page.getByTestId("job-notifications");
            assertThat(panel).containsText(receiver.url("/own"));
            assertThat(panel.getByTestId("delivery")).hasCount(2);
            shots("job-notifications");

            page.navigate(kiln.server.baseUrl() + "/notifications");
            page.onDialog(d -> d.accept());
            page.getByTestId("delete").click();
            assertThat(page.getByTestId("subscriptions")).containsText("No subscriptions yet");
            assertThat(api.get("/api/v1/notifications").json().get("subscriptions")).isEmpty();
        }
    }

    @Test
    void aViewerIsToldThatAdminsManageSubscriptions() {
        String viewer = api.createToken("reader", "viewer");
        String tokenId = kiln.server.tokens().verify(viewer).orElseThrow().tokenId();
        page.navigate(kiln.server.baseUrl() + "/login#code=" + kiln.server.signInCodes().issue(tokenId).code());
        assertThat(page.getByTestId("jobs-table")).isVisible();
        expectedErrors.add("status of 403");
        page.navigate(kiln.server.baseUrl() + "/notifications");
        assertThat(page.getByTestId("admins-only")).isVisible();
    }
}
