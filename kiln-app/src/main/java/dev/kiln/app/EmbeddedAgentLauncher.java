package dev.kiln.app;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentConfig;
import dev.kiln.agent.AgentIdentity;
import dev.kiln.server.EmbeddedAgent;
import java.nio.file.Path;
import java.time.Duration;

/** The server's embedded agent: the ordinary agent, started in-process and pointed at the server over loopback. */
public final class EmbeddedAgentLauncher implements EmbeddedAgent {
    @Override
    public String id(Path dir) {
        return AgentIdentity.loadOrCreate(dir);
    }

    @Override
    public AutoCloseable start(Settings s) {
        var agent = new Agent(new AgentConfig(s.server(), s.token(), s.name(), s.labels(), s.capacity(), s.dir(),
                s.version(), Duration.ofMillis(200)));
        agent.start();
        return agent;
    }
}
