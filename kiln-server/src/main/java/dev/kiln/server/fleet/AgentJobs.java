package dev.kiln.server.fleet;

import dev.kiln.protocol.AgentMessage;

/**
 * What the fleet needs from the jobs side when an agent comes and goes; implemented by the job engine and wired by
 * the composition root, so the fleet never depends on it. Called under the {@link dev.kiln.server.core.EngineLock}.
 */
public interface AgentJobs {
    /** The agent said hello: settle the jobs the server believes it runs against those it reports. */
    void reconcile(AgentSession agent, AgentMessage.Hello hello);

    /** The agent did not come back in time: the jobs it held are gone. */
    void lose(String agentId, String why);
}
