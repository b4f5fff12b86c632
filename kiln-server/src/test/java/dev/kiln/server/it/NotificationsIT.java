package dev.kiln.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.notify.Notifications;
import dev.kiln.server.notify.Signatures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Build result notifications end to end, against a real HTTP receiver on loopback: signed, once, through a receiver's
 * outage and through a kill -9 of the server.
 */
class NotificationsIT {
    /** Retries wait 1 s, 2 s, 4 s… (plus jitter): an outage of 30 s costs five or so attempts. */
    private static final Notifications.Settings FAST = new Notifications.Settings(1, Notifications.GIVE_UP_AFTER, Notifications.TIMEOUT);
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static KilnTestServer server(Path dir) {
        return KilnTestServer.start(dir, 4, c -> c.withNotifications(FAST));
    }

    private static JsonNode subscribe(Api api, Object body) {
        var r = api.post("/api/v1/notifications", body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    private static List<JsonNode> deliveries(Api api, String subscription) {
        var r = api.get("/api/v1/notifications/" + subscription + "/deliveries");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return StreamSupport.stream(r.json().get("deliveries").spliterator(), false).toList();
    }

    @Test
    void aFailingJobNotifiesOnceWithAValidSignatureAndItsOwnTargetToo() throws Exception {
        try (var kiln = server(dir.resolve("server")); var receiver = WebhookReceiver.started()) {
            Api api = kiln.api;
            JsonNode sub = subscribe(api, Map.of("url", receiver.url("/hooks/json"), "events", List.of("job.failed"),
                    "filters", Map.of("type", "build")));
            String secret = sub.get("secret").asText();
            assertThat(secret).startsWith("whsec_");
            JsonNode slack = subscribe(api, Map.of("url", receiver.url("/hooks/slack"), "events", List.of("job.failed"),
                    "format", "slack"));
            assertThat(api.get("/api/v1/notifications").body()).as("the secret is shown once").doesNotContain(secret);

            // fails twice (a retry of the same job, which is no notification), then for good
            String failing = api.submit(Map.of("name", "compile <core>", "command", "exit 3",
                    "retry", Map.of("limit", 1, "on", List.of(3), "backoff_seconds", 0),
                    "notify", List.of(Map.of("url", receiver.url("/own"), "on", List.of("job.failed", "job.succeeded")))))
                    .get("id").asText();
            String passing = api.submit(Map.of("name", "passes", "command", "true")).get("id").asText();
            String otherType = api.submit(Map.of("name", "a test", "type", "test", "command", "exit 1")).get("id").asText();
            api.awaitStatus(failing, WITHIN, "failed");
            api.awaitStatus(passing, WITHIN, "succeeded");
            api.awaitStatus(otherType, WITHIN, "failed");

            await().atMost(WITHIN).until(() -> deliveries(api, sub.get("id").asText()).stream()
                    .allMatch(d -> d.get("status").asText().equals("delivered"))
                    && receiver.receivedAt("/own").size() == 1 && receiver.receivedAt("/hooks/slack").size() == 2);
            var json = receiver.receivedAt("/hooks/json");
            assertThat(json).as("one delivery: the job's end, not its retried attempt; the test job is filtered out").hasSize(1);
            var got = json.getFirst();
            assertThat(got.signature()).isEqualTo(Signatures.sign(secret, got.body().getBytes(StandardCharsets.UTF_8)));
            assertThat(got.signature()).isNotEqualTo(Signatures.sign("another secret", got.body().getBytes(StandardCharsets.UTF_8)));
            assertThat(got.event()).isEqualTo("job.failed");
            JsonNode body = Api.JSON.readTree(got.body());
            assertThat(body.get("delivery_id").asText()).isEqualTo(got.deliveryId());
            assertThat(body.get("event").asText()).isEqualTo("job.failed");
            assertThat(body.get("job").get("id").asText()).isEqualTo(failing);
            assertThat(body.get("job").get("exit_code").asInt()).isEqualTo(3);
            assertThat(body.get("job").get("attempt").asInt()).isEqualTo(2);
            assertThat(body.get("job").get("url").asText()).isEqualTo(api.base() + "/jobs/" + failing);

            var log = deliveries(api, sub.get("id").asText());
            assertThat(log).hasSize(1);
            assertThat(log.getFirst().get("id").asText()).isEqualTo(got.deliveryId());
            assertThat(log.getFirst().get("status_code").asInt()).isEqualTo(200);
            assertThat(log.getFirst().get("attempts").asInt()).isEqualTo(1);
            assertThat(log.getFirst().get("duration_ms").isIntegralNumber()).isTrue();

            // Slack's shape, and a job's own target (no subscription, so no secret: unsigned)
            var texts = receiver.receivedAt("/hooks/slack").stream().map(r -> readTree(r.body()).get("text").asText()).toList();
            assertThat(texts).anySatisfy(t -> assertThat(t).contains(":x: Job *compile &lt;core&gt;* failed (exit 3)")
                    .contains("|" + failing.substring(0, 8) + ">"));
            assertThat(receiver.receivedAt("/hooks/slack")).allSatisfy(r -> assertThat(r.signature()).startsWith("sha256="));
            var own = receiver.receivedAt("/own").getFirst();
            assertThat(own.signature()).isNull();
            assertThat(readTree(own.body()).get("job").get("id").asText()).isEqualTo(failing);
            JsonNode ofJob = api.get("/api/v1/jobs/" + failing + "/notifications").json();
            assertThat(ofJob.get("targets").get(0).get("on")).extracting(JsonNode::asText).containsExactly("job.failed", "job.succeeded");
            assertThat(ofJob.get("deliveries")).hasSize(3);
            assertThat(api.get("/api/v1/jobs/" + failing).json().get("config").get("notify").get(0).get("url").asText())
                    .isEqualTo(receiver.url("/own"));

            // Send test: signed like the rest, and logged
            var test = api.post("/api/v1/notifications/" + sub.get("id").asText() + "/test", "");
            assertThat(test.status()).isEqualTo(202);
            await().atMost(WITHIN).until(() -> receiver.receivedAt("/hooks/json").size() == 2);
            var testGot = receiver.receivedAt("/hooks/json").get(1);
            assertThat(testGot.event()).isEqualTo("notification.test");
            assertThat(testGot.deliveryId()).isEqualTo(test.json().get("id").asText());
            assertThat(testGot.signature()).isEqualTo(Signatures.sign(secret, testGot.body().getBytes(StandardCharsets.UTF_8)));
            assertThat(slack.get("format").asText()).isEqualTo("slack");
        }
    }

    @Test
    void aReceiverDownForAWhileGetsEveryDeliveryOnceWhenItIsBack() throws Exception {
        try (var kiln = server(dir.resolve("server")); var receiver = WebhookReceiver.down()) {
            long downSince = System.nanoTime();
            Api api = kiln.api;
            String sub = subscribe(api, Map.of("url", receiver.url("/hook"), "events", List.of("job.failed", "job.succeeded")))
                    .get("id").asText();
            var jobs = new ArrayList<String>();
            for (int i = 0; i < 5; i++) jobs.add(api.submit(Map.of("name", "job " + i, "command", "exit " + (i % 2))).get("id").asText());
            for (String id : jobs) api.awaitStatus(id, WITHIN, "succeeded", "failed");

            // while it is down: every delivery was tried, failed to connect and waits for its next attempt
            await().atMost(WITHIN).until(() -> {
                var log = deliveries(api, sub);
                return log.size() == 5 && log.stream().allMatch(d -> d.get("attempts").asInt() >= 2);
            });
            assertThat(deliveries(api, sub)).allSatisfy(d -> {
                assertThat(d.get("status").asText()).isEqualTo("pending");
                assertThat(d.get("error").asText()).contains("ConnectException");
                assertThat(d.get("next_attempt_at").isTextual()).isTrue();
                assertThat(d.get("status_code").isNull()).isTrue();
            });
            assertThat(receiver.received()).isEmpty();

            // the outage of the scenario: 30 s (retries wait 1, 2, 4, 8, 16 s… plus jitter meanwhile)
            Duration outage = Duration.ofSeconds(30).minusNanos(System.nanoTime() - downSince);
            if (!outage.isNegative()) await().pollDelay(outage).atMost(outage.plusSeconds(5)).until(() -> true);
            assertThat(receiver.received()).isEmpty();
            receiver.start();
            await().atMost(WITHIN).until(() -> deliveries(api, sub).stream().allMatch(d -> d.get("status").asText().equals("delivered")));
            var ids = receiver.received().stream().map(WebhookReceiver.Received::deliveryId).toList();
            assertThat(ids).hasSize(5).doesNotHaveDuplicates();
            assertThat(new HashSet<>(ids)).isEqualTo(new HashSet<>(deliveries(api, sub).stream().map(d -> d.get("id").asText()).toList()));
            var jobIds = receiver.received().stream().map(r -> readTree(r.body()).get("job").get("id").asText()).toList();
            assertThat(jobIds).containsExactlyInAnyOrderElementsOf(jobs);
        }
    }

    @Test
    void pendingDeliveriesSurviveAKill9AndAreSentOnceAfterTheRestart() throws Exception {
        Path data = dir.resolve("server");
        try (var receiver = WebhookReceiver.down()) {
            var jobs = new ArrayList<String>();
            String sub;
            try (var first = ServerProcess.launch(data, 2, 3, 6, 0, 1)) {
                sub = subscribe(first.api(), Map.of("url", receiver.url("/hook"), "events", List.of("job.failed"))).get("id").asText();
                for (int i = 0; i < 4; i++) jobs.add(first.api().submit(Map.of("name", "doomed " + i, "command", "exit 7")).get("id").asText());
                for (String id : jobs) first.api().awaitStatus(id, WITHIN, "failed");
                await().atMost(WITHIN).until(() -> {
                    var log = deliveries(first.api(), sub);
                    return log.size() == 4 && log.stream().allMatch(d -> d.get("attempts").asInt() >= 1);
                });
                first.kill9();
            }
            receiver.start();
            try (var second = ServerProcess.launch(data, 2, 3, 6, 0, 1)) {
                await().atMost(WITHIN).until(() -> deliveries(second.api(), sub).stream()
                        .allMatch(d -> d.get("status").asText().equals("delivered")));
                var ids = receiver.received().stream().map(WebhookReceiver.Received::deliveryId).toList();
                assertThat(ids).hasSize(4).doesNotHaveDuplicates();
                assertThat(receiver.received().stream().map(r -> readTree(r.body()).get("job").get("id").asText()).toList())
                        .containsExactlyInAnyOrderElementsOf(jobs);
            }
        }
    }

    @Test
    void badSubscriptionsAndNotifyTargetsAreRefusedWithWhatToFix() throws Exception {
        try (var kiln = server(dir.resolve("server"))) {
            Api api = kiln.api;
            var badUrl = api.post("/api/v1/notifications", Map.of("url", "ftp://example.com/x", "events", List.of("job.failed")));
            assertProblem(badUrl, "url", "http:// or https://");
            assertThat(badUrl.json().get("title").asText()).isEqualTo("Invalid subscription");
            var unknownEvent = api.post("/api/v1/notifications", Map.of("url", "https://example.com", "events", List.of("job.exploded")));
            assertProblem(unknownEvent, "events[0]", "unknown event");
            assertProblem(api.post("/api/v1/notifications", Map.of("url", "https://example.com", "events", List.of(),
                    "format", "xml")), "events", "non-empty");
            assertProblem(api.post("/api/v1/notifications", Map.of("url", "https://example.com", "events", List.of("job.failed"),
                    "filters", Map.of("colour", "red"))), "filters.colour", "unknown filter");
            assertProblem(api.post("/api/v1/notifications", Map.of("url", "not a url", "events", List.of("job.failed"))), "url", "");
            assertProblem(api.post("/api/v1/notifications", Map.of("url", "http://example.com:70000/", "events", List.of("job.failed"))),
                    "url", "port");
            assertProblem(api.post("/api/v1/jobs", Map.of("command", "true", "notify", List.of(Map.of("url", "mailto:a@b", "on", List.of("job.done"))))),
                    "notify[0].url", "http");
            assertProblem(api.post("/api/v1/jobs", Map.of("command", "true", "notify", List.of(Map.of("url", "https://example.com", "on", List.of("job.done"))))),
                    "notify[0].on[0]", "unknown event");
            assertThat(api.get("/api/v1/notifications").json().get("subscriptions")).isEmpty();
            assertThat(api.get("/api/v1/notifications/nope/deliveries").status()).isEqualTo(404);
            assertThat(api.post("/api/v1/notifications/nope/test", "").status()).isEqualTo(404);
            assertThat(api.send("DELETE", "/api/v1/notifications/nope", null, null).status()).isEqualTo(404);

            // subscriptions are for admins
            Api operator = api.withToken(api.createToken("ci", "operator"));
            assertThat(operator.post("/api/v1/notifications", Map.of("url", "https://example.com", "events", List.of("job.failed"))).status())
                    .isEqualTo(403);
            assertThat(operator.get("/api/v1/notifications").status()).isEqualTo(403);
        }
    }

    private static void assertProblem(Api.Response r, String field, String text) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("detail").asText()).isNotBlank();
        assertThat(p.get("errors")).as(r.body()).anySatisfy(e -> {
            assertThat(e.get("field").asText()).isEqualTo(field);
            assertThat(e.get("message").asText()).contains(text);
        });
    }

    private static JsonNode readTree(String json) {
        try {
            return Api.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(json, e);
        }
    }
}
