package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.events.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The notification outbox: subscriptions, deliveries written with the event that causes them, attempts. */
public interface NotificationsContract extends StoreFixture {

    default NotificationSubscription subscription(String id, String url) {
        return new NotificationSubscription(id, url, List.of("job.failed", "job.succeeded"),
                new NotificationSubscription.Filters("build", null, Map.of("os", "linux")), "slack", "whsec_" + id, at(0));
    }

    default NotificationDelivery delivery(String id, String subscriptionId, String jobId, Instant due) {
        var d = NotificationDelivery.pending(id, subscriptionId, jobId, "http://127.0.0.1:9/hook", "job.failed",
                "{\"delivery_id\":\"" + id + "\"}", at(-60));
        return new NotificationDelivery(0, d.id(), d.subscriptionId(), d.jobId(), d.url(), d.event(), d.body(), d.status(),
                0, due, d.createdAt(), null, null, null, null);
    }

    @Test
    default void subscriptionsRoundTripWithTheirSecretAndDeletingOneTakesItsDeliveries() {
        var a = subscription("sub-a", "https://hooks.example.com/a");
        var b = new NotificationSubscription("sub-b", "http://127.0.0.1:8080/b", List.of("build.failed"), null, "json",
                "whsec_b", at(1));
        run(tx -> {
            tx.insertSubscription(a);
            tx.insertSubscription(b);
            tx.insertDelivery(delivery("d-1", "sub-a", null, at(0)));
            tx.insertDelivery(delivery("d-2", "sub-b", null, at(0)));
        });
        reopen();
        assertThat(store().notificationSubscriptions()).containsExactly(a, b);
        assertThat(store().subscriptionDeliveries("sub-a", 10)).extracting(NotificationDelivery::id).containsExactly("d-1");

        assertThat((boolean) write(tx -> tx.deleteSubscription("sub-a"))).isTrue();
        assertThat((boolean) write(tx -> tx.deleteSubscription("sub-a"))).as("deleted once").isFalse();
        assertThat(store().notificationSubscriptions()).extracting(NotificationSubscription::id).containsExactly("sub-b");
        assertThat(store().subscriptionDeliveries("sub-a", 10)).isEmpty();
        assertThat(store().dueDeliveries(at(1), 10)).extracting(NotificationDelivery::id).containsExactly("d-2");
    }

    @Test
    default void theOutboxWritesDeliveriesInTheTransactionOfTheirEventSeeingTheJobAsWritten() {
        var seen = new ArrayList<String>();
        store().useOutbox((event, job) -> {
            if (!event.kind().equals("job.finished")) return List.of();
            seen.add(job == null ? "no job" : job.status().wireName());
            return List.of(delivery("for-" + event.id(), null, event.jobId(), at(0)));
        });
        Job job = insert("notified");
        Job failed = job.assigned("agent-1", at(0)).started(at(0)).finished(JobStatus.FAILED, 1, null, at(0));
        Event finished = write(tx -> {
            tx.updateJob(failed);
            return tx.appendEvent(note(job.id(), "job.finished"));
        });
        assertThat(seen).as("the outbox saw the job as this transaction wrote it").containsExactly("failed");
        assertThat(store().jobDeliveries(job.id(), 10)).extracting(NotificationDelivery::id)
                .containsExactly("for-" + finished.id());

        // an event without a job of its transaction: the outbox is asked with none
        run(tx -> tx.appendEvent(note(job.id(), "job.finished")));
        assertThat(seen).containsExactly("failed", "no job");

        // a write that fails after the event leaves neither the event nor its delivery
        assertThatThrownBy(() -> run(tx -> {
            tx.appendEvent(note(job.id(), "job.finished"));
            throw new IllegalStateException("boom");
        })).isInstanceOf(CompletionException.class);
        assertThat(store().jobDeliveries(job.id(), 10)).hasSize(2);
        assertThat(store().jobEvents(job.id(), 0, 100)).filteredOn(e -> e.kind().equals("job.finished")).hasSize(2);
    }

    @Test
    default void dueDeliveriesArePendingOnesDueSoonestFirstAndAttemptsMoveThem() {
        Job job = insert("delivered");
        Instant now = at(0);
        run(tx -> {
            tx.insertDelivery(delivery("later", null, job.id(), now.plusSeconds(30)));
            tx.insertDelivery(delivery("second", null, job.id(), now.minusSeconds(5)));
            tx.insertDelivery(delivery("first", null, job.id(), now.minusSeconds(10)));
        });
        assertThat(store().dueDeliveries(now, 10)).extracting(NotificationDelivery::id).containsExactly("first", "second");
        assertThat(store().dueDeliveries(now, 1)).extracting(NotificationDelivery::id).containsExactly("first");
        assertThat(store().nextDeliveryDue()).contains(now.minusSeconds(10));

        var retry = new NotificationDelivery.Attempt("first", NotificationDelivery.PENDING, 1, now, 503, 12,
                "HTTP 503", now.plusSeconds(60));
        var done = new NotificationDelivery.Attempt("second", NotificationDelivery.DELIVERED, 1, now, 204, 7, null, null);
        assertThat((boolean) write(tx -> tx.recordDeliveryAttempt(retry))).isTrue();
        assertThat((boolean) write(tx -> tx.recordDeliveryAttempt(done))).isTrue();
        assertThat((boolean) write(tx -> tx.recordDeliveryAttempt(new NotificationDelivery.Attempt("gone", "delivered", 1, at(0),
                200, 1, null, null)))).as("no such delivery").isFalse();
        reopen();
        assertThat(store().dueDeliveries(now, 10)).isEmpty();
        assertThat(store().nextDeliveryDue()).contains(now.plusSeconds(30));

        var log = store().jobDeliveries(job.id(), 10);
        assertThat(log).extracting(NotificationDelivery::id).containsExactly("first", "second", "later");
        var first = log.getFirst();
        assertThat(first.status()).isEqualTo("pending");
        assertThat(first.attempts()).isEqualTo(1);
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.durationMs()).isEqualTo(12);
        assertThat(first.error()).isEqualTo("HTTP 503");
        assertThat(first.nextAttemptAt()).isEqualTo(retry.nextAttemptAt());
        assertThat(first.lastAttemptAt()).isEqualTo(retry.at());
        var second = log.get(1);
        assertThat(second.status()).isEqualTo("delivered");
        assertThat(second.nextAttemptAt()).isNull();
        assertThat(second.body()).isEqualTo("{\"delivery_id\":\"second\"}");
        assertThat(store().jobDeliveries(job.id(), 1)).extracting(NotificationDelivery::id).containsExactly("first");
    }

    @Test
    default void deletingAJobTakesTheDeliveriesAboutItThatAreDoneButSendsThePendingOnes() {
        Job job = insert("pruned");
        Instant now = at(0);
        run(tx -> {
            tx.insertDelivery(delivery("sent", null, job.id(), now));
            tx.insertDelivery(delivery("waiting", null, job.id(), now));
            tx.recordDeliveryAttempt(new NotificationDelivery.Attempt("sent", NotificationDelivery.DELIVERED, 1, now, 200, 3,
                    null, null));
        });
        run(tx -> tx.deleteJob(job.id()));
        assertThat(store().jobDeliveries(job.id(), 10)).extracting(NotificationDelivery::id).containsExactly("waiting");
        assertThat(store().dueDeliveries(now, 10)).extracting(NotificationDelivery::id).containsExactly("waiting");
    }
}
