package dev.kiln.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.NotifyTarget;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.Event;
import dev.kiln.server.store.NotificationDelivery;
import dev.kiln.server.store.NotificationSubscription;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure rules of notifications: which events notify, which subscriptions match, what an attempt's outcome is. */
class NotifyRulesTest {
    private static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");

    private static JobSpec spec(String name, boolean service, List<NotifyTarget> notify) {
        return new JobSpec(name, "build", "make", null, null, null, "x86_64", null, Map.of("os", "linux"), Map.of(),
                Map.of(), 0, 60, 10, RetryPolicy.NONE, List.of(), service, null, notify, null, null, null);
    }

    private static Job job(JobSpec spec, JobStatus status) {
        Job queued = Job.newlySubmitted("00000000-0000-4000-8000-000000000001", spec, null, T0);
        if (status == JobStatus.QUEUED) return queued;
        if (status == JobStatus.CANCELLED) return queued.withStatus(JobStatus.CANCELLED, T0);
        Job running = queued.assigned("a", T0).started(T0);
        if (status == JobStatus.RUNNING) return running;
        return status == JobStatus.LOST ? running.withStatus(JobStatus.LOST, T0) : running.finished(status, 1, null, T0);
    }

    private static Event event(String kind) {
        return new Event(7, "00000000-0000-4000-8000-000000000001", kind, 0, Map.of());
    }

    @Test
    void aJobNotifiesWhenItEndsNotWhenAnAttemptIsRetried() {
        var plain = spec("app", false, List.of());
        assertThat(NotifyEvents.of(event("job.finished"), job(plain, JobStatus.FAILED))).containsExactly("job.failed");
        assertThat(NotifyEvents.of(event("job.finished"), job(plain, JobStatus.SUCCEEDED))).containsExactly("job.succeeded");
        assertThat(NotifyEvents.of(event("job.finished"), job(plain, JobStatus.TIMED_OUT))).containsExactly("job.timed_out");
        assertThat(NotifyEvents.of(event("job.cancelled"), job(plain, JobStatus.CANCELLED))).containsExactly("job.cancelled");
        assertThat(NotifyEvents.of(event("job.lost"), job(plain, JobStatus.LOST))).containsExactly("job.failed");
        assertThat(NotifyEvents.of(event("job.finished"), job(plain, JobStatus.QUEUED))).as("a retry follows").isEmpty();
        assertThat(NotifyEvents.of(event("job.finished"), null)).as("no job written with it").isEmpty();
        assertThat(NotifyEvents.of(event("job.started"), job(plain, JobStatus.RUNNING))).isEmpty();
        Job service = job(spec("web", true, List.of()), JobStatus.FAILED);
        assertThat(NotifyEvents.of(event("job.finished"), service)).as("service.failed is an event of its own").containsExactly("job.failed");
        assertThat(NotifyEvents.of(event("service.failed"), service)).containsExactly("service.failed");
        assertThat(NotifyEvents.of(event("build.failed"), null)).containsExactly("build.failed");
    }

    @Test
    void filtersMustAllHoldAndTheOutboxMakesOneDeliveryPerSubscriptionAndTarget() {
        Job failed = job(spec("app", false, List.of(new NotifyTarget("http://own", List.of("job.failed")),
                new NotifyTarget("http://other", List.of("job.succeeded")))), JobStatus.FAILED);
        var f = new NotificationSubscription.Filters("build", "app", Map.of("arch", "x86_64"));
        assertThat(NotificationOutbox.passes(f, failed, event("job.finished"))).isTrue();
        assertThat(NotificationOutbox.passes(new NotificationSubscription.Filters("test", null, null), failed, event("job.finished"))).isFalse();
        assertThat(NotificationOutbox.passes(new NotificationSubscription.Filters(null, null, Map.of("arch", "arm64")), failed, event("job.finished"))).isFalse();

        var matching = new NotificationSubscription("s1", "http://s1", List.of("job.failed"), f, "json", "k", T0);
        var otherEvent = new NotificationSubscription("s2", "http://s2", List.of("job.succeeded"), null, "json", "k", T0);
        var outbox = new NotificationOutbox(() -> List.of(matching, otherEvent), new Payloads(() -> "http://kiln"));
        var deliveries = outbox.deliveriesFor(event("job.finished"), failed);
        assertThat(deliveries).extracting(NotificationDelivery::url).containsExactly("http://s1", "http://own");
        assertThat(deliveries).extracting(NotificationDelivery::subscriptionId).containsExactly("s1", null);
        assertThat(deliveries).allSatisfy(d -> {
            assertThat(d.status()).isEqualTo("pending");
            assertThat(d.body()).contains("\"delivery_id\":\"" + d.id() + "\"").contains("http://kiln/jobs/" + failed.id());
        });
    }

    @Test
    void theSenderIsWokenOnlyForACommittedEventThatWroteDeliveries() {
        var wantsFailures = new NotificationSubscription("s1", "http://s1", List.of("job.failed"), null, "json", "k", T0);
        var outbox = new NotificationOutbox(() -> List.of(wantsFailures), new Payloads(() -> "http://kiln"));
        var plain = spec("app", false, List.of());
        Event succeeded = new Event(10, "00000000-0000-4000-8000-000000000001", "job.finished", 0, Map.of());
        assertThat(outbox.deliveriesFor(succeeded, job(plain, JobStatus.SUCCEEDED))).isEmpty();
        assertThat(outbox.takeWritten(succeeded)).as("no delivery: nothing to send").isFalse();

        Event rolledBack = new Event(11, "00000000-0000-4000-8000-000000000001", "job.finished", 0, Map.of());
        assertThat(outbox.deliveriesFor(rolledBack, job(plain, JobStatus.FAILED))).hasSize(1);
        Event failed = new Event(12, "00000000-0000-4000-8000-000000000001", "job.finished", 0, Map.of());
        assertThat(outbox.deliveriesFor(failed, job(plain, JobStatus.FAILED))).hasSize(1);
        assertThat(outbox.takeWritten(failed)).isTrue();
        assertThat(outbox.takeWritten(failed)).as("once per event").isFalse();
        assertThat(outbox.takeWritten(rolledBack)).as("never published (rolled back), dropped once a later one was").isFalse();
    }

    @Test
    void anAttemptIsDeliveredOnA2xxElseRetriedWithTheJobRetryRuleUntilItIsTooOld() {
        var timing = new DeliverySender.Timing(new RetryPolicy(0, Set.of(), false, false, false, 5), Duration.ofHours(24),
                Duration.ofSeconds(10));
        var d = NotificationDelivery.pending("d", "s", null, "http://x", "job.failed", "{}", T0);
        var ok = DeliverySender.outcome(timing, d, T0.plusSeconds(1), 204, 12, null, 0.5);
        assertThat(ok.status()).isEqualTo("delivered");
        assertThat(ok.nextAttemptAt()).isNull();

        var retry = DeliverySender.outcome(timing, d, T0.plusSeconds(1), 503, 12, "HTTP 503", 0.5);
        assertThat(retry.status()).isEqualTo("pending");
        assertThat(retry.attempts()).isEqualTo(1);
        assertThat(retry.nextAttemptAt()).isEqualTo(T0.plusSeconds(1).plus(timing.backoff().delay(1, 0.5)));

        var third = new NotificationDelivery(1, "d", "s", null, "http://x", "job.failed", "{}", "pending", 2, T0, T0, T0,
                null, null, null);
        assertThat(DeliverySender.outcome(timing, third, T0, null, 3, "ConnectException", 0).nextAttemptAt())
                .isEqualTo(T0.plusSeconds(20)); // 5 s · 2² at no jitter

        var old = DeliverySender.outcome(timing, third, T0.plus(Duration.ofHours(24)).minusSeconds(30), null, 3, "timeout", 0.5);
        assertThat(old.status()).as("the next try would fall past 24 h").isEqualTo("failed");
        assertThat(old.error()).contains("gave up after 3 attempts");
        assertThat(old.nextAttemptAt()).isNull();
    }
}
