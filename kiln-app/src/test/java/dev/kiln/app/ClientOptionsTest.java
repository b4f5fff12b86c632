package dev.kiln.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/** A client command given a list of servers (a KILN_SERVER set for agents of several servers) asks the first. */
class ClientOptionsTest {
    @CommandLine.Command(name = "probe")
    static final class Probe {
        @Mixin ClientOptions client = new ClientOptions();
    }

    @Test
    void aListOfServersMeansTheFirst() {
        var probe = new Probe();
        new CommandLine(probe).parseArgs("--server", "http://kiln-a:8080, http://kiln-b:8081");
        assertThat(probe.client.firstServer()).isEqualTo("http://kiln-a:8080");
        new CommandLine(probe).parseArgs("--server", "http://solo:8080");
        assertThat(probe.client.firstServer()).isEqualTo("http://solo:8080");
    }
}
