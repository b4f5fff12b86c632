package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.core.Artifact;
import dev.kiln.server.core.FileRef;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.Release;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What follows a job: the jobs applying it, its input files (which keep their content) and releases. */
public interface FollowUpsContract extends StoreFixture {

    private JobSpec applying(String planId, List<FileRef> inputs) {
        JobSpec s = spec("apply");
        return new JobSpec(s.name(), "deploy", s.command(), null, null, null, null, null, s.labels(), s.env(), s.secrets(),
                0, 60, 10, null, List.of(), false, null, List.of(), null, planId, inputs);
    }

    private Job succeeded(Job job) {
        Job done = job.assigned("agent-1", at(1)).started(at(2)).finished(JobStatus.SUCCEEDED, 0, null, at(3));
        run(tx -> tx.updateJob(done));
        return done;
    }

    @Test
    default void jobsApplyingAJobAreFoundOldestFirstAndTheSpecKeepsWhatItApplies() {
        Job plan = insert("plan");
        Job other = insert("other");
        var inputs = List.of(new FileRef("plan.tfplan", "sha-plan", 42), new FileRef("dir/notes.txt", "sha-notes", 7));
        Job first = insert(applying(plan.id(), inputs));
        Job second = insert(applying(plan.id(), List.of()));
        insert(applying(other.id(), List.of()));

        assertThat(store().jobsApplying(plan.id())).containsExactly(first.id(), second.id());
        assertThat(store().jobsApplying(first.id())).isEmpty();
        JobSpec read = store().job(first.id()).orElseThrow().spec();
        assertThat(read.applies()).isEqualTo(plan.id());
        assertThat(read.inputs()).containsExactlyElementsOf(inputs);
    }

    @Test
    default void theNewestSucceededJobOfATypeAndNameIsFound() {
        Job older = succeeded(insert("plan"));
        Job newer = succeeded(insert("plan"));
        insert("plan"); // queued: not succeeded
        succeeded(insert("another"));

        assertThat(store().newestSucceeded("build", "plan")).map(Job::id).contains(newer.id());
        assertThat(older.seq()).isLessThan(newer.seq());
        assertThat(store().newestSucceeded("deploy", "plan")).isEmpty();
        assertThat(store().newestSucceeded("build", "nothing")).isEmpty();
    }

    @Test
    default void releasesRoundTripNewestFirstAndAreUniqueByVersionAndByJobUnderAName() {
        Job job = insert("web");
        Job next = insert("web");
        var files = List.of(new FileRef("app.jar", "sha-app", 100), new FileRef("docs/readme.txt", "sha-readme", 5));
        var v1 = new Release("web", "1", job.id(), files, "sha-manifest-1", "ci", at(-10));
        var v2 = new Release("web", "2", next.id(), files.subList(0, 1), "sha-manifest-2", null, at(0));
        var other = new Release("api", "1.0.0", job.id(), files.subList(1, 2), "sha-manifest-3", "ci", at(-5));
        run(tx -> {
            tx.insertRelease(v1);
            tx.insertRelease(v2);
            tx.insertRelease(other);
        });

        assertThat(store().release("web", "1")).contains(v1);
        assertThat(store().release("web", "3")).isEmpty();
        assertThat(store().releases(null, null, 10)).containsExactly(v2, other, v1);
        assertThat(store().releases("web", null, 10)).containsExactly(v2, v1);
        assertThat(store().releases(null, job.id(), 10)).containsExactly(other, v1);
        assertThat(store().releases("web", job.id(), 1)).containsExactly(v1);
        assertThat(store().releases(null, null, 1)).containsExactly(v2);

        // immutable: the same version again, or the same job again under that name, fails the write
        assertThatThrownBy(() -> run(tx -> tx.insertRelease(new Release("web", "1", next.id(), files, "x", null, at(1)))));
        assertThatThrownBy(() -> run(tx -> tx.insertRelease(new Release("web", "9", job.id(), files, "x", null, at(1)))));
        assertThat(store().releases("web", null, 10)).containsExactly(v2, v1);
    }

    @Test
    default void inputsAndReleaseFilesKeepTheirContentWhenTheJobsArtifactsOrTheJobGo() {
        Job plan = insert("plan");
        run(tx -> tx.upsertArtifact(new Artifact(plan.id(), 1, "plan.tfplan", 42, "sha-plan", at(0))));
        run(tx -> tx.upsertArtifact(new Artifact(plan.id(), 1, "released.jar", 10, "sha-jar", at(0))));
        run(tx -> tx.upsertArtifact(new Artifact(plan.id(), 1, "only.txt", 1, "sha-only", at(0))));
        Job apply = insert(applying(plan.id(), List.of(new FileRef("plan.tfplan", "sha-plan", 42),
                new FileRef("upload.csv", "sha-upload", 9))));
        run(tx -> tx.insertRelease(new Release("web", "1", plan.id(), List.of(new FileRef("released.jar", "sha-jar", 10)),
                "m", null, at(0))));

        List<String> unused = write(tx -> tx.deleteArtifacts(plan.id()));
        assertThat(unused).containsExactly("sha-only");
        assertThat(store().artifactContentInUse("sha-plan")).isTrue();
        assertThat(store().artifactContentInUse("sha-jar")).isTrue();
        assertThat(store().artifactContentInUse("sha-upload")).isTrue();
        assertThat(store().artifactContentInUse("sha-only")).isFalse();

        List<String> freed = write(tx -> tx.deleteJob(apply.id()));
        assertThat(freed).containsExactlyInAnyOrder("sha-plan", "sha-upload");
        assertThat(store().artifactContentInUse("sha-plan")).isFalse();
        assertThat(store().artifactContentInUse("sha-jar")).isTrue();
    }
}
