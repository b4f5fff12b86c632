package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.agent.AgentConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every flag of {@code kiln agent} has the effect its help text gives. */
class AgentCommandTest {
    static AgentCommand parsed(String... args) {
        var command = new AgentCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void defaults() throws Exception {
        AgentCommand cmd = parsed("--server", "http://build-master:8080");
        AgentConfig c = cmd.config();
        assertThat(c.serverUri()).isEqualTo(URI.create("ws://build-master:8080/api/v1/agent/ws"));
        assertThat(c.name()).isEqualTo(java.net.InetAddress.getLocalHost().getHostName());
        assertThat(c.labels()).isEmpty();
        assertThat(c.capacity()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.workDir()).isEqualTo(Path.of("./kiln-agent"));
        assertThat(c.keepWorkspaces()).isEqualTo(20);
        assertThat(cmd.waitOnShutdown()).isTrue();
        assertThat(cmd.shutdownTimeout).isEqualTo(600);
    }

    @Test
    void eachFlagSetsItsSetting() throws Exception {
        AgentCommand cmd = parsed("--server", "https://kiln.example/", "--token", "t0k", "--name", "build-7",
                "--labels", "arch=arm64,toolchain=[gcc-12]", "--capacity", "4", "--work-dir", "/tmp/a",
                "--keep-workspaces", "3", "--on-shutdown", "cancel", "--shutdown-timeout", "30");
        AgentConfig c = cmd.config();
        assertThat(c.serverUri()).isEqualTo(URI.create("wss://kiln.example/api/v1/agent/ws"));
        assertThat(c.token()).isEqualTo("t0k");
        assertThat(c.name()).isEqualTo("build-7");
        assertThat(c.labels()).containsEntry("arch", List.of("arm64")).containsEntry("toolchain", List.of("gcc-12"));
        assertThat(c.capacity()).isEqualTo(4);
        assertThat(c.workDir()).isEqualTo(Path.of("/tmp/a"));
        assertThat(c.keepWorkspaces()).isEqualTo(3);
        assertThat(cmd.waitOnShutdown()).isFalse();
        assertThat(cmd.shutdownTimeout).isEqualTo(30);
    }

    @Test
    void severalServersAreTriedInTheOrderGiven() throws Exception {
        AgentConfig c = parsed("--server", "http://kiln-a:8080, https://kiln-b/,http://kiln-c:9000").config();
        assertThat(c.servers()).containsExactly(URI.create("ws://kiln-a:8080/api/v1/agent/ws"),
                URI.create("wss://kiln-b/api/v1/agent/ws"), URI.create("ws://kiln-c:9000/api/v1/agent/ws"));
        assertThat(c.serverUri()).isEqualTo(c.servers().getFirst());
        assertThat(parsed("--server", "http://solo:8080").config().servers()).hasSize(1);
        assertThatThrownBy(() -> parsed("--server", "http://a:8080,ftp://b").config()).hasMessageContaining("ftp://b");
        assertThatThrownBy(() -> parsed("--server", " , ").config()).hasMessageContaining("--server needs at least one URL");
    }

    @Test
    void serverIsRequiredAndBadValuesNameTheFlag() {
        // not a required flag any more (KILN_SERVER or kiln.conf may give it), but still needed
        assertThatThrownBy(() -> parsed().config()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--server is needed");
        assertThatThrownBy(() -> parsed("--server", "ftp://x").config()).hasMessageContaining("--server");
        assertThatThrownBy(() -> parsed("--server", "http://x", "--on-shutdown", "later").config()).hasMessageContaining("--on-shutdown");
        assertThatThrownBy(() -> parsed("--server", "http://x", "--keep-workspaces", "-1").config()).hasMessageContaining("--keep-workspaces");
        assertThatThrownBy(() -> parsed("--server", "http://x", "--capacity", "-1").config()).hasMessageContaining("--capacity");
        assertThatThrownBy(() -> parsed("--server", "http://x", "--shutdown-timeout", "-1").config()).hasMessageContaining("--shutdown-timeout");
    }
}
