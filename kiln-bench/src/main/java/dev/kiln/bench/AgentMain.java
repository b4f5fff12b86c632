package dev.kiln.bench;

import dev.kiln.agent.Agent;
import dev.kiln.agent.AgentConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A remote agent in a JVM of its own, for scenarios that kill one with SIGKILL. Arguments: server base URL, name,
 * labels, capacity, work dir; the agent token in {@code KILN_AGENT_TOKEN}.
 */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) throws Exception {
        URI ws = URI.create(args[0].replaceFirst("^http", "ws") + "/api/v1/agent/ws");
        var config = new AgentConfig(ws, System.getenv("KILN_AGENT_TOKEN"), args[1], AgentConfig.parseLabels(args[2]),
                Integer.parseInt(args[3]), Path.of(args[4]), "bench", Duration.ofMillis(100));
        new Agent(config).start();
        Thread.currentThread().join();
    }
}
