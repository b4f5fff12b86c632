package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import org.junit.jupiter.api.Test;

/** What servers on one database tell each other through it: the build graph versions and the cancel requests. */
public interface SharedServersContract extends StoreFixture {

    private GraphVersion graph(String version, String source, String server) {
        return new GraphVersion(0, version, "jobs: {} # " + version + "\n", source, server, at(0));
    }

    @Test
    default void graphVersionsAreStoredInOrderAndTheNewestAboveASeqIsFound() {
        assertThat(store().newestGraphVersion(0)).isEmpty();
        assertThat(store().graphVersionStored("v1")).isFalse();

        GraphVersion first = write(tx -> tx.insertGraphVersion(graph("v1", "file", "server-a")));
        GraphVersion second = write(tx -> tx.insertGraphVersion(graph("v2", "api", "server-b")));

        assertThat(second.seq()).isGreaterThan(first.seq()).isGreaterThan(0);
        assertThat(store().newestGraphVersion(0)).contains(second);
        assertThat(store().newestGraphVersion(first.seq())).contains(second);
        assertThat(store().newestGraphVersion(second.seq())).as("nothing newer than the newest").isEmpty();
        assertThat(store().graphVersionStored("v1")).isTrue();
        assertThat(store().graphVersionStored("v3")).isFalse();
        // the same content accepted again is a newer version in force
        GraphVersion again = write(tx -> tx.insertGraphVersion(graph("v1", "api", "server-a")));
        assertThat(store().newestGraphVersion(second.seq())).contains(again);
        reopen();
        assertThat(store().newestGraphVersion(0)).contains(again);
    }

    @Test
    default void aCancelIsRequestedOnlyForAnUnfinishedJobOnceAndForgotten() {
        Job running = insert("running");
        run(tx -> tx.updateJob(running.assigned("agent-1", at(1)).started(at(2))));
        Job finished = insert("finished");
        run(tx -> tx.updateJob(finished.finished(JobStatus.CANCELLED, null, "cancelled", at(1))));
        Job queued = insert("queued");
        var byAlice = new CancelRequest(running.id(), "alice", at(3));
        var unknownCaller = new CancelRequest(queued.id(), null, at(6));

        assertThat((boolean) write(tx -> tx.requestCancel(byAlice))).isTrue();
        // a second request keeps the first (who asked first)
        assertThat((boolean) write(tx -> tx.requestCancel(new CancelRequest(running.id(), "bob", at(4))))).isTrue();
        assertThat((boolean) write(tx -> tx.requestCancel(new CancelRequest(finished.id(), "alice", at(5))))).isFalse();
        assertThat((boolean) write(tx -> tx.requestCancel(unknownCaller))).isTrue();
        assertThat((boolean) write(tx -> tx.requestCancel(new CancelRequest("no-such-job", "alice", at(7))))).isFalse();
        assertThat(store().cancelRequests()).containsExactly(byAlice, unknownCaller);

        run(tx -> tx.forgetCancelRequest(running.id()));
        run(tx -> tx.forgetCancelRequest(running.id())); // nothing left: no error
        assertThat(store().cancelRequests()).containsExactly(unknownCaller);
        // a job deleted (retention) takes its request with it
        run(tx -> tx.updateJob(queued.finished(JobStatus.CANCELLED, null, "cancelled", at(8))));
        run(tx -> tx.deleteJob(queued.id()));
        assertThat(store().cancelRequests()).isEmpty();
    }

    @Test
    default void aQueuedJobIsCancelledThroughTheClaimOnlyWhileStillQueued() {
        Job job = insert("raced");
        Job claimedElsewhere = job.assigned("agent-2", at(1));
        assertThat((boolean) write(tx -> tx.claimQueuedJob(claimedElsewhere))).isTrue();
        // the cancel of a server that still held it queued loses, and the claim stands
        assertThat((boolean) write(tx -> tx.claimQueuedJob(job.finished(JobStatus.CANCELLED, null, "cancelled", at(2))))).isFalse();
        assertThat(store().job(job.id())).contains(claimedElsewhere);

        Job other = insert("cancelled first");
        Job cancelled = other.finished(JobStatus.CANCELLED, null, "cancelled", at(3));
        assertThat((boolean) write(tx -> tx.claimQueuedJob(cancelled))).isTrue();
        assertThat(store().job(other.id())).contains(cancelled);
        assertThat((boolean) write(tx -> tx.claimQueuedJob(other.assigned("agent-1", at(4))))).isFalse();
    }
}
