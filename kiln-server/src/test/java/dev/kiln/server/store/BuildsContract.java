package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Build requests, their partitions and jobs, the partitions' latest states and counts, build and partition events (V15). */
public interface BuildsContract extends StoreFixture {

    default BuildRecord newBuild(String id, String status, List<String> refs) {
        return new BuildRecord(id, 0, status, false, "v1", refs, refs.size(), Map.of("requested", refs.size()), 0, 0, at(0), null,
                null, null, "admin", true);
    }

    default BuildPartition requested(String build, String ref, String status) {
        return new BuildPartition(build, ref, status, "daily", null, null, null, null, at(0));
    }

    @Test
    default void aBuildRoundTripsAndUpdatesAndTheDrivenOnesAreWhatAStartPicksUp() {
        BuildRecord b = write(tx -> tx.insertBuild(newBuild("b-1", "received", List.of("a/1", "a/2"))));
        BuildRecord other = write(tx -> tx.insertBuild(newBuild("b-2", "executing", List.of("a/3"))));
        assertThat(other.seq()).isGreaterThan(b.seq());
        assertThat(store().build("b-1")).contains(b);
        assertThat(store().build("no-such-build")).isEmpty();

        var ended = new BuildRecord("b-1", b.seq(), "completed", false, "v2", b.requested(), 2,
                Map.of("requested", 2, "available", 2), 3, 3, b.createdAt(), at(1), at(2), "done", "admin", false);
        run(tx -> tx.updateBuild(ended));
        assertThat(store().build("b-1")).contains(ended);
        assertThat(store().drivenBuilds()).extracting(BuildRecord::id).containsExactly("b-2");
        assertThat(store().builds(new BuildQuery(null, null, 0, 10)).items()).as("a listing leaves the refs out, not their count")
                .allSatisfy(listed -> assertThat(listed.requested()).isEmpty())
                .extracting(BuildRecord::requestedCount).containsExactly(1, 2);
        reopen();
        assertThat(store().build("b-1")).contains(ended);
    }

    @Test
    default void buildsPageNewestFirstByStatusAndByRequestedPartition() {
        for (int i = 1; i <= 5; i++) {
            String id = "b-" + i;
            String status = i % 2 == 0 ? "completed" : "failed";
            run(tx -> {
                tx.insertBuild(newBuild(id, status, List.of("p/" + id)));
                tx.upsertBuildPartition(requested(id, "p/" + id, "requested"));
                tx.upsertBuildPartition(requested(id, "shared", "requested"));
            });
        }
        Page<BuildRecord> first = store().builds(new BuildQuery(null, null, 0, 2));
        assertThat(first.items()).extracting(BuildRecord::id).containsExactly("b-5", "b-4");
        Page<BuildRecord> second = store().builds(new BuildQuery(null, null, Long.parseLong(first.nextCursor()), 2));
        assertThat(second.items()).extracting(BuildRecord::id).containsExactly("b-3", "b-2");
        Page<BuildRecord> last = store().builds(new BuildQuery(null, null, Long.parseLong(second.nextCursor()), 2));
        assertThat(last.items()).extracting(BuildRecord::id).containsExactly("b-1");
        assertThat(last.nextCursor()).isNull();

        assertThat(store().builds(new BuildQuery("failed", null, 0, 10)).items()).extracting(BuildRecord::id)
                .containsExactly("b-5", "b-3", "b-1");
        assertThat(store().builds(new BuildQuery(null, "p/b-2", 0, 10)).items()).extracting(BuildRecord::id).containsExactly("b-2");
        Page<BuildRecord> shared = store().builds(new BuildQuery("completed", "shared", 0, 1));
        assertThat(shared.items()).extracting(BuildRecord::id).containsExactly("b-4");
        assertThat(store().builds(new BuildQuery("completed", "shared", Long.parseLong(shared.nextCursor()), 1)).items())
                .extracting(BuildRecord::id).containsExactly("b-2");
    }

    @Test
    default void aBuildsPartitionsPageInRefOrderByStatusAndDelegationsAreFoundFromTheBuildDelegatedTo() {
        run(tx -> {
            tx.insertBuild(newBuild("maker", "executing", List.of("r/1")));
            tx.insertBuild(newBuild("waiter", "executing", List.of("r/1", "r/2", "r/3")));
            tx.upsertBuildPartition(requested("maker", "r/1", "building"));
            tx.upsertBuildPartition(new BuildPartition("waiter", "r/1", "delegated", "daily", null, null, "maker", "active", at(0)));
            tx.upsertBuildPartition(requested("waiter", "r/3", "scheduled"));
            tx.upsertBuildPartition(requested("waiter", "r/2", "scheduled"));
        });
        run(tx -> tx.upsertBuildPartition(new BuildPartition("waiter", "r/2", "building", "daily", "daily#1", "job-1", null, null, at(1))));
        assertThat(store().buildPartitions("waiter", null, null, 2)).extracting(BuildPartition::ref).containsExactly("r/1", "r/2");
        assertThat(store().buildPartitions("waiter", null, "r/2", 2)).extracting(BuildPartition::ref).containsExactly("r/3");
        assertThat(store().buildPartitions("waiter", "building", null, 10)).singleElement()
                .isEqualTo(new BuildPartition("waiter", "r/2", "building", "daily", "daily#1", "job-1", null, null, at(1)).withUpdatedAt(
                        store().buildPartitions("waiter", "building", null, 1).get(0).updatedAt()));
        assertThat(store().delegatedTo("maker", 10)).singleElement().satisfies(p -> {
            assertThat(p.buildId()).isEqualTo("waiter");
            assertThat(p.delegationKind()).isEqualTo("active");
        });
        assertThat(store().delegatedTo("waiter", 10)).isEmpty();
    }

    @Test
    default void aBuildsJobsListInPlanOrderAndAreFoundByTheirKilnJobAndDefinition() {
        run(tx -> tx.insertBuild(newBuild("b", "executing", List.of("r/1"))));
        var first = new BuildJob("b", 0, "clean#1", "clean", null, "waiting", List.of("c/1"), List.of(), List.of("other"),
                false, spec("clean c/1"), null, null);
        var second = new BuildJob("b", 1, "daily#1", "daily", null, "waiting", List.of("r/1"), List.of("clean#1"), List.of(),
                false, spec("daily r/1"), null, null);
        run(tx -> {
            tx.upsertBuildJob(second);
            tx.upsertBuildJob(first);
        });
        assertThat(store().buildJobs("b")).containsExactly(first, second);
        var submitted = first.submitted("job-1", at(5));
        run(tx -> tx.upsertBuildJob(submitted));
        run(tx -> tx.upsertBuildJob(second.with("skipped", "input c/1 failed")));
        assertThat(store().buildJobs("b")).containsExactly(submitted, second.with("skipped", "input c/1 failed"));
        assertThat(store().buildJobOf("job-1")).contains(submitted);
        assertThat(store().buildJobOf("job-2")).isEmpty();
        run(tx -> tx.upsertBuildJob(second.submitted("job-2", at(6))));
        assertThat(store().recentBuildJobs("clean", 10)).containsExactly(submitted);
        assertThat(store().recentBuildJobs("daily", 10)).extracting(BuildJob::jobId).containsExactly("job-2");
        assertThat(store().recentBuildJobs("nothing", 10)).isEmpty();
    }

    /** A plan job's secrets are read back masked in its spec, and in clear only by their own call (to submit it). */
    @Test
    default void aBuildJobsSecretsAreKeptSealedAndOpenOnlyForItsBuildAndPosition() {
        run(tx -> tx.insertBuild(newBuild("b", "executing", List.of("r/1"))));
        var withSecret = spec("deploy r/1").withSecrets(java.util.Map.of("TOKEN", "s3cr3t"));
        var job = new BuildJob("b", 0, "deploy#1", "deploy", null, "waiting", List.of("r/1"), List.of(), List.of(),
                false, withSecret, null, null);
        run(tx -> tx.upsertBuildJob(job));
        run(tx -> tx.upsertBuildJob(job.submitted("job-1", at(5)))); // an update keeps them
        assertThat(store().buildJobs("b").get(0).spec().secrets()).containsExactly(java.util.Map.entry("TOKEN", "***"));
        assertThat(store().buildJobSecrets("b", 0)).containsExactly(java.util.Map.entry("TOKEN", "s3cr3t"));
        assertThat(store().buildJobSecrets("b", 1)).isEmpty();
        assertThat(store().buildJobSecrets("other", 0)).isEmpty();
    }

    @Test
    default void partitionsKeepTheirLatestStateAndCountsByStatusFollowEveryChange() {
        run(tx -> {
            tx.upsertPartition(new PartitionRecord("a/1", "scheduled", "d", "b", null, at(0), null));
            tx.upsertPartition(new PartitionRecord("a/2", "building", "d", "b", "j", at(0), null));
            tx.upsertPartition(new PartitionRecord("b/1", "available", "d", "b", "j", at(0), at(0)));
        });
        var built = new PartitionRecord("a/1", "available", "d", "b", "j2", at(1), at(1));
        run(tx -> {
            tx.upsertPartition(built);
            tx.upsertPartition(new PartitionRecord("a/2", "failed", "d", "b", "j", at(1), null));
            tx.deletePartition("a/3"); // never stored: nothing changes
        });
        assertThat(store().partitions(List.of("a/1", "a/3"))).containsOnlyKeys("a/1").containsEntry("a/1", built);
        assertThat(store().partitionCounts("", 100).counts())
                .containsEntry("available", 2L).containsEntry("failed", 1L).containsEntry("scheduled", 0L).containsEntry("building", 0L);
        run(tx -> tx.deletePartition("a/2"));
        assertThat(store().partitionCounts("", 100).counts()).containsEntry("failed", 0L).containsEntry("available", 2L);
        assertThat(store().partitionCounts("a/", 100)).isEqualTo(new PartitionCounts(
                Map.of("available", 1L, "failed", 0L, "scheduled", 0L, "building", 0L), false));
        assertThat(store().partitionCounts("", 100).capped()).isFalse();
        assertThat(store().partitionCounts("b", 1).capped()).as("a count that reached the cap says so").isTrue();
    }

    @Test
    default void partitionsPageInRefOrderWithinAPrefixAndAStatus() {
        var refs = new ArrayList<String>(List.of("x/a b", "x/%41", "x/ü", "x/2", "x0", "w/1", "x/1"));
        run(tx -> refs.forEach(r -> tx.upsertPartition(new PartitionRecord(r, r.endsWith("1") ? "failed" : "available", "d", "b", null, at(0), null))));
        Page<PartitionRecord> first = store().partitions(new PartitionQuery("x/", null, null, 3));
        assertThat(first.items()).extracting(PartitionRecord::ref).containsExactly("x/%41", "x/1", "x/2");
        Page<PartitionRecord> rest = store().partitions(new PartitionQuery("x/", null, first.nextCursor(), 3));
        assertThat(rest.items()).extracting(PartitionRecord::ref).containsExactly("x/a b", "x/ü");
        assertThat(rest.nextCursor()).isNull();
        assertThat(store().partitions(new PartitionQuery("", "failed", null, 10)).items()).extracting(PartitionRecord::ref)
                .containsExactly("w/1", "x/%41", "x/1");
        assertThat(store().partitions(new PartitionQuery(null, null, null, 100)).items()).hasSize(7);
        assertThat(store().partitions(List.of("x/ü", "x/a b")).keySet()).containsExactlyInAnyOrder("x/ü", "x/a b");
    }

    @Test
    default void buildAndPartitionEventsAreIndexedByTheirBuildAndRefOnly() {
        run(tx -> {
            tx.appendEvent(Event.draft(null, "build.received", Event.data("build_id", "b-1")));
            tx.appendEvent(Event.draft(null, "partition.status", Event.data("build_id", "b-1", "ref", "r/1", "status", "scheduled")));
            tx.appendEvent(Event.draft(null, "build.received", Event.data("build_id", "b-2")));
            tx.appendEvent(Event.draft("job-1", "model.fitted", Event.data("build_id", "b-1", "ref", "r/1"))); // a job's own event
            tx.appendEvent(Event.draft(null, "build.delegated", Event.data("build_id", "b-2", "ref", "r/1", "to_build", "b-1")));
        });
        List<Event> ofB1 = store().buildEvents("b-1", 0, 10);
        assertThat(ofB1).extracting(Event::kind).containsExactly("build.received", "partition.status");
        assertThat(store().buildEvents("b-1", ofB1.get(0).id(), 10)).extracting(Event::kind).containsExactly("partition.status");
        assertThat(store().partitionEvents("r/1", 0, 10)).extracting(Event::kind).containsExactly("partition.status", "build.delegated");
        assertThat(store().partitionEvents("r/1", 0, 1)).hasSize(1);
        assertThat(store().partitionEvents("r/2", 0, 10)).isEmpty();
    }
}
