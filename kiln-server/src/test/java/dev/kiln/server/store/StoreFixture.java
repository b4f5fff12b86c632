package dev.kiln.server.store;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every part of the store contract works with: the store under test, the events it published, and helpers
 * that build records. {@link StoreContractTest} provides it; the contract parts are interfaces extending it.
 */
public interface StoreFixture {

    Store store();

    /** Every event the store published on its bus since it was first opened in this test, in publication order. */
    List<Event> published();

    /** The bus the store publishes committed events on. */
    EventBus bus();

    /** Closes the store and opens it again on the same data, as a server restart does. */
    void reopen();

    /** Closes the store for good (the test ends without it). */
    void closeStore();

    /** A time with whole microseconds, as a store keeps at least (Instant.now() may carry nanoseconds). */
    default Instant at(long secondsFromNow) {
        return Instant.now().truncatedTo(ChronoUnit.MICROS).plusSeconds(secondsFromNow);
    }

    default JobSpec spec(String name) {
        return spec(name, "build", "x86_64", Map.of("os", "linux"), Map.of());
    }

    default JobSpec spec(String name, String type, String arch, Map<String, String> labels, Map<String, String> secrets) {
        return new JobSpec(name, type, "echo " + name, "https://git.example/repo.git", "main", null, arch, null,
                labels, Map.of("A", "1"), secrets, 5, 60, 10, new RetryPolicy(1, Set.of(2), false, true, true, 7),
                List.of("out/*"), false);
    }

    default Job newJob(JobSpec spec) {
        return Job.newlySubmitted(JobIds.next(), spec, null, at(0));
    }

    /** Stores a new job in its own write and returns it as stored (with its seq). */
    default Job insert(JobSpec spec) {
        Job job = newJob(spec);
        return write(tx -> tx.insertJob(job));
    }

    default Job insert(String name) {
        return insert(spec(name));
    }

    /** Runs one write and waits for its commit. */
    default <T> T write(Function<StoreTx, T> work) {
        return store().write(work).join();
    }

    default void run(Consumer<StoreTx> work) {
        write(tx -> {
            work.accept(tx);
            return null;
        });
    }

    default Event note(String jobId, String kind) {
        return Event.draft(jobId, kind, Map.of());
    }
}
