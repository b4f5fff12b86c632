package dev.kiln.server.it;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentIdentity;
import dev.kiln.server.EmbeddedAgent;
import java.nio.file.Path;

/** The embedded agent for tests (kiln-app wires the real one; the server module cannot depend on kiln-app). */
public final class TestEmbeddedAgent implements EmbeddedAgent {
    @Override
    public String id(Path dir) {
        return AgentIdentity.loadOrCreate(dir);
    }

    @Override
    public AutoCloseable start(Settings s) {
        return Agent.startEmbedded(s.server(), s.token(), s.name(), s.labels(), s.capacity(), s.dir(), s.version());
    }
}
