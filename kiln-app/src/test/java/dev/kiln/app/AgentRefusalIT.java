package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.KilnServer;
import dev.kiln.server.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln agent} against a real server that refuses it: it stops with a message instead of retrying forever. */
class AgentRefusalIT {
    @TempDir
    static Path dir;
    static KilnServer server;

    @BeforeAll
    static void start() {
        server = KilnServer.start(ServerConfig.defaults(dir.resolve("data")).withPort(0), new EmbeddedAgentLauncher());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aTokenTheServerDoesNotKnowStopsTheAgentWithExitCode3AndTheServersReason() {
        var err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        System.setErr(new PrintStream(err, true));
        int code;
        try {
            code = Main.commandLine().execute("agent", "--server=" + server.baseUrl(), "--token=not-a-real-token",
                    "--name=refused", "--work-dir=" + dir.resolve("agent"));
        } finally {
            System.setErr(oldErr);
        }
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("kiln agent: the server refused this agent (4401 ")
                .contains("check --token").doesNotContain("Exception");
    }
}
