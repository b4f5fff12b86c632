package dev.kiln.server.jobs;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.Attempt;
import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.SecretMasker;
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

    String id() {
        return job.id();
    }
}
