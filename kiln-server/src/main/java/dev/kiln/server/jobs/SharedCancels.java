package dev.kiln.server.jobs;

import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.store.CancelRequest;
import dev.kiln.server.store.Store;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several servers on one database: carries out the cancels asked of another server ({@link JobEngine#cancel} records
 * them when this server's agent runs the job, or its claim beat the cancel). Each look reads the requests (usually
 * none); for a job this server holds on an agent connected here (or queued), the cancel goes through the normal path
 * (the agent is told, the SYSTEM line names who asked) and the request is deleted; a request whose job finished is
 * deleted by whichever server sees it. Run on a timer.
 */
public final class SharedCancels {
    private static final Logger log = LoggerFactory.getLogger(SharedCancels.class);

    private final JobEngine engine;
    private final Store store;

    public SharedCancels(JobEngine engine, Store store) {
        this.engine = engine;
        this.store = store;
    }

    /** One look at the requests in the database. */
    public void sync() {
        for (CancelRequest request : store.cancelRequests()) {
            String id = request.jobId();
            if (engine.cancelsHere(id)) {
                CompletableFuture<Job> cancel;
                try {
                    cancel = engine.cancel(id, request.by());
                } catch (RuntimeException e) { // decided at once: it cannot be cancelled (any more)
                    cancel = CompletableFuture.failedFuture(e);
                }
                cancel.whenComplete((job, failure) -> {
                    if (failure == null ? carriedOut(job) : refused(failure)) forget(id);
                    else if (failure != null) log.warn("cancel of job {} asked elsewhere: {}", id, failure.toString());
                });
            } else if (store.job(id).map(j -> j.status().isTerminal()).orElse(true)) {
                forget(id); // finished before anyone could cancel it, or deleted
            }
        }
    }

    /** Cancelled, or cancelling on this server's agent; still assigned or running: recorded again for another server. */
    private static boolean carriedOut(Job job) {
        return job.status() != JobStatus.ASSIGNED && job.status() != JobStatus.RUNNING;
    }

    /** A job that can no longer be cancelled (a service stopping, or it finished meanwhile) needs no more asking. */
    private static boolean refused(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof IllegalTransitionException || cause instanceof NotFoundException;
    }

    private void forget(String jobId) {
        store.write(tx -> {
            tx.forgetCancelRequest(jobId);
            return null;
        });
    }
}
