package dev.kiln.server.jobs;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.Attempt;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.SecretMasker;
import dev.kiln.server.store.Store;
import java.util.Map;

/**
 * A job that is not finished, as the engine holds it in memory: the stored job, its current attempt, its secrets
 * (needed to run it, and to mask what its agent reports) and a finish the agent reported before every log chunk had arrived. Mutated under the engine
 * lock only.
 */
final class ActiveJob {
    Job job;
    Attempt attempt;
    final Map<String, String> secrets;
    final SecretMasker masker;
    AgentMessage.JobFinished pendingFinish;

    ActiveJob(Job job, Attempt attempt, Map<String, String> secrets) {
        this.job = job;
        this.attempt = attempt;
        this.secrets = secrets;
        this.masker = secrets.isEmpty() ? SecretMasker.NONE : new SecretMasker(secrets.values());
    }

    /** A stored job taken into memory (at start, or when its agent brings it from another server): with its attempt and secrets. */
    static ActiveJob fromStore(Job job, Store store) {
        Map<String, String> secrets = job.spec().secrets().isEmpty() ? Map.of() : store.secrets(job.id());
        Attempt attempt = job.attempt() > 0 ? store.attempt(job.id(), job.attempt()).orElse(null) : null;
        return new ActiveJob(job, attempt, secrets);
    }

    String id() {
        return job.id();
    }
}
