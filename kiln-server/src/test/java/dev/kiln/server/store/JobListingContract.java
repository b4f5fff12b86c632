package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Store#jobs}: newest first, a cursor, and each filter of {@code GET /api/v1/jobs} alone and together. */
public interface JobListingContract extends StoreFixture {

    private List<String> names(JobQuery q) {
        return store().jobs(q).items().stream().map(j -> j.spec().name()).toList();
    }

    private static JobQuery label(String label) {
        return new JobQuery(Set.of(), null, label, null, 0, 100);
    }

    private static JobQuery text(String text) {
        return new JobQuery(Set.of(), null, null, text, 0, 100);
    }

    /** Follows the cursor to the end; returns every page. */
    private List<Page<Job>> allPages(JobQuery first) {
        var pages = new ArrayList<Page<Job>>();
        JobQuery q = first;
        while (true) {
            Page<Job> page = store().jobs(q);
            pages.add(page);
            if (page.nextCursor() == null) return pages;
            q = new JobQuery(q.statuses(), q.type(), q.label(), q.text(), Long.parseLong(page.nextCursor()), q.limit());
        }
    }

    @Test
    default void pagesNewestFirstWithACursorUntilTheLastPage() {
        for (int i = 0; i < 25; i++) insert("job-" + i);
        var pages = allPages(JobQuery.firstPage(10));
        assertThat(pages).extracting(p -> p.items().size()).containsExactly(10, 10, 5);
        assertThat(pages.get(0).items().get(0).spec().name()).isEqualTo("job-24");
        assertThat(pages.get(1).items().get(0).spec().name()).isEqualTo("job-14");
        assertThat(pages.get(2).nextCursor()).isNull();
        List<Long> seqs = pages.stream().flatMap(p -> p.items().stream()).map(Job::seq).toList();
        assertThat(seqs).hasSize(25).doesNotHaveDuplicates().isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    default void aPageThatEndsExactlyAtTheLastJobHasNoCursor() {
        for (int i = 0; i < 20; i++) insert("job-" + i);
        var pages = allPages(JobQuery.firstPage(10));
        assertThat(pages).extracting(p -> p.items().size()).containsExactly(10, 10);
        assertThat(store().jobs(JobQuery.firstPage(50)).nextCursor()).isNull();
    }

    @Test
    default void emptyStoreListsNothing() {
        Page<Job> page = store().jobs(JobQuery.firstPage(10));
        assertThat(page.items()).isEmpty();
        assertThat(page.nextCursor()).isNull();
    }

    @Test
    default void filtersByAnyOfTheGivenStatuses() {
        Instant t = at(0);
        Job queued = insert("queued");
        Job running = insert("running");
        Job failed = insert("failed");
        run(tx -> {
            tx.updateJob(running.assigned("a", t).started(t));
            tx.updateJob(failed.assigned("a", t).started(t).finished(JobStatus.FAILED, 1, null, t));
        });
        assertThat(names(new JobQuery(Set.of(JobStatus.RUNNING), null, null, null, 0, 10))).containsExactly("running");
        assertThat(names(new JobQuery(Set.of(JobStatus.QUEUED, JobStatus.FAILED), null, null, null, 0, 10)))
                .containsExactly("failed", "queued");
        assertThat(names(new JobQuery(Set.of(JobStatus.SUCCEEDED), null, null, null, 0, 10))).isEmpty();
        assertThat(queued.status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    default void filtersByType() {
        insert(spec("b1", "build", null, Map.of(), Map.of()));
        insert(spec("d1", "deploy", null, Map.of(), Map.of()));
        insert(spec("b2", "build", null, Map.of(), Map.of()));
        assertThat(names(new JobQuery(Set.of(), "build", null, null, 0, 10))).containsExactly("b2", "b1");
        assertThat(names(new JobQuery(Set.of(), "deploy", null, null, 0, 10))).containsExactly("d1");
        assertThat(names(new JobQuery(Set.of(), "buil", null, null, 0, 10))).isEmpty();
    }

    /** A label filter {@code key=value} finds jobs that require exactly that: a label, or arch from target_architecture. */
    @Test
    default void filtersByOneLabelRequirementExactly() {
        insert(spec("arm", "build", "arm64", Map.of("os", "linux"), Map.of()));
        insert(spec("x86", "build", "x86_64", Map.of("os", "linux", "pool", "gpu"), Map.of()));
        insert(spec("any-arch", "build", null, Map.of("os", "macos", "opts", "a=b"), Map.of()));
        insert(spec("arch-label", "build", null, Map.of("arch", "arm64"), Map.of()));
        insert(spec("spaced", "build", null, Map.of("note", "two words"), Map.of()));

        assertThat(names(label("arch=arm64"))).containsExactly("arch-label", "arm");
        assertThat(names(label("arch=x86_64"))).containsExactly("x86");
        assertThat(names(label("os=linux"))).containsExactly("x86", "arm");
        assertThat(names(label("pool=gpu"))).containsExactly("x86");
        assertThat(names(label("opts=a=b"))).containsExactly("any-arch");
        // exact key and value: no prefix, suffix, or value-under-another-key matches
        assertThat(names(label("arch=x86"))).isEmpty();
        assertThat(names(label("arch=arm"))).isEmpty();
        assertThat(names(label("os=linux2"))).isEmpty();
        assertThat(names(label("pool=linux"))).isEmpty();
        assertThat(names(label("o=linux"))).isEmpty();
        assertThat(names(label("opts=a"))).isEmpty();
        assertThat(names(label("note=two"))).isEmpty();
        assertThat(names(label("words=x"))).isEmpty();
        // LIKE wildcards are plain characters
        assertThat(names(label("os=l%"))).isEmpty();
        assertThat(names(label("os=_inux"))).isEmpty();
    }

    @Test
    default void labelFilterPagesWithTheCursor() {
        for (int i = 0; i < 30; i++) {
            insert(spec("job-" + i, "build", null, i % 3 == 0 ? Map.of("pool", "big") : Map.of("pool", "small"), Map.of()));
        }
        var pages = allPages(new JobQuery(Set.of(), null, "pool=big", null, 0, 4));
        assertThat(pages).extracting(p -> p.items().size()).containsExactly(4, 4, 2);
        assertThat(pages.stream().flatMap(p -> p.items().stream()).map(j -> j.spec().name()))
                .containsExactly("job-27", "job-24", "job-21", "job-18", "job-15", "job-12", "job-9", "job-6", "job-3", "job-0");
    }

    /** Text matches a substring of the name or command, or a prefix of the id; wildcards are plain characters. */
    @Test
    default void filtersByText() {
        Job needle = insert("find the needle here");
        insert("haystack");
        Job percent = insert("100%_done");
        insert("1000xdone");
        assertThat(names(text("needle"))).containsExactly("find the needle here");
        assertThat(names(text("echo hay"))).containsExactly("haystack");
        assertThat(names(text(needle.id().substring(0, 8)))).containsExactly("find the needle here");
        assertThat(names(text("100%_"))).containsExactly("100%_done");
        assertThat(names(text("%"))).containsExactly("100%_done");
        assertThat(names(text("nothing like it"))).isEmpty();
        assertThat(percent.seq()).isGreaterThan(needle.seq());
    }

    @Test
    default void filtersCombine() {
        Instant t = at(0);
        Job match = insert(spec("deploy-arm", "deploy", "arm64", Map.of(), Map.of()));
        insert(spec("deploy-arm-queued", "deploy", "arm64", Map.of(), Map.of()));
        Job wrongType = insert(spec("build-arm", "build", "arm64", Map.of(), Map.of()));
        Job wrongArch = insert(spec("deploy-x86", "deploy", "x86_64", Map.of(), Map.of()));
        run(tx -> {
            for (Job j : List.of(match, wrongType, wrongArch)) tx.updateJob(j.assigned("a", t));
        });
        var q = new JobQuery(Set.of(JobStatus.ASSIGNED), "deploy", "arch=arm64", "deploy", 0, 10);
        assertThat(names(q)).containsExactly("deploy-arm");
    }
}
