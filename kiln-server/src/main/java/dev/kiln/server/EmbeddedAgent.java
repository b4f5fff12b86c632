package dev.kiln.server;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The agent that runs inside the server's process and connects over loopback like any remote one. Provided by the
 * {@code kiln} application (kiln-app), so the server module never depends on the agent module.
 */
public interface EmbeddedAgent {
    /** What the embedded agent is told: where to connect, with which token, as whom, with what capacity. */
    record Settings(URI server, String token, String name, Map<String, List<String>> labels, int capacity,
                    Path dir, String version) {}

    /** Its id, kept in {@code dir}: known before it starts, so recovery can tell which jobs died with the server. */
    String id(Path dir);

    /** Starts it; closing the result stops it. */
    AutoCloseable start(Settings settings);
}
