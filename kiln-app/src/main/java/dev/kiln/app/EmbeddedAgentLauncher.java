package dev.kiln.app;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentIdentity;
import dev.kiln.server.EmbeddedAgent;
import java.nio.file.Path;

/** The server's embedded agent: the ordinary agent, started in-process and pointed at the server over loopback. */
public final class EmbeddedAgentLauncher implements EmbeddedAgent {
    @Override
    public String id(Path dir) {
        return AgentIdentity.loadOrCreate(dir);
    }

    @Override
    public AutoCloseable start(Settings s) {
        return Agent.startEmbedded(s.server(), s.token(), s.name(), s.labels(), s.capacity(), s.dir(), s.version());
    }
}
