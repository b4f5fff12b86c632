package dev.kiln.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.SecretMasker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which build definition a checkout without a job command offers, and what a missing or broken one says. */
class BuildDefinitionTest {
    static final String WHERE = "file:///srv/app@0123abcd";
    @TempDir
    Path checkout;
    final List<LogLine> logged = new ArrayList<>();
    final JobLog log = new JobLog(logged::add, new SecretMasker(Set.of()));

    String command() throws StartFailure {
        return BuildDefinition.command(checkout, WHERE, log);
    }

    void script(boolean executable) throws Exception {
        Files.createDirectories(checkout.resolve(".kiln"));
        Path script = Files.writeString(checkout.resolve(".kiln/build"), "#!/bin/sh\necho built\n");
        assertThat(script.toFile().setExecutable(executable)).isTrue();
    }

    void graph(String yaml) throws Exception {
        Files.writeString(checkout.resolve("kiln.yaml"), yaml);
    }

    @Test
    void anExecutableKilnBuildScriptIsRun() throws Exception {
        script(true);
        assertThat(command()).isEqualTo("./.kiln/build");
        assertThat(logged).extracting(LogLine::text).containsExactly("[agent] build definition: .kiln/build");
    }

    @Test
    void theScriptWinsOverKilnYaml() throws Exception {
        script(true);
        graph("jobs:\n  build:\n    command: make\n");
        assertThat(command()).isEqualTo("./.kiln/build");
    }

    @Test
    void aScriptThatIsNotExecutableSaysHowToFixIt() throws Exception {
        script(false);
        assertThatThrownBy(this::command).isInstanceOf(StartFailure.class)
                .hasMessage(".kiln/build in " + WHERE + " is not executable: mark it with "
                        + "`git update-index --chmod=+x .kiln/build` and commit");
    }

    @Test
    void theBuildJobOfKilnYamlIsRun() throws Exception {
        graph("""
                version: 1
                jobs:
                  test:
                    command: make test
                  build:
                    outputs: ["dist/app"]
                    command: |
                      echo "building"
                      make -j4
                """);
        assertThat(command()).isEqualTo("echo \"building\"\nmake -j4\n");
        assertThat(logged).extracting(LogLine::text)
                .containsExactly("[agent] build definition: the `build` job of kiln.yaml: echo \"building\" …");
    }

    @Test
    void neitherIsAClearFailure() {
        assertThatThrownBy(this::command).isInstanceOf(StartFailure.class).hasMessage("no build definition in "
                + WHERE + ": add .kiln/build or a kiln.yaml with a `build` job");
    }

    @Test
    void aKilnYamlWithoutABuildJobSaysSo() throws Exception {
        graph("jobs:\n  test:\n    command: make test\n");
        assertThatThrownBy(this::command).isInstanceOf(StartFailure.class).hasMessage("no build definition in "
                + WHERE + ": add .kiln/build or a kiln.yaml with a `build` job (kiln.yaml has no `build` job)");
    }

    @Test
    void aBuildJobWithoutACommandOrWithAListSaysWhatItNeeds() throws Exception {
        for (String yaml : new String[] {"jobs:\n  build:\n    outputs: [x]\n", "jobs:\n  build:\n    command: [make]\n",
                "jobs:\n  build:\n    command: '  '\n"}) {
            graph(yaml);
            assertThatThrownBy(this::command).as(yaml).isInstanceOf(StartFailure.class)
                    .hasMessage("the `build` job of kiln.yaml in " + WHERE
                            + " needs a `command`: the shell script to run, e.g. `command: make -j4`");
        }
    }

    @Test
    void malformedYamlNamesTheFileAndLine() throws Exception {
        graph("jobs:\n  build:\n    command: make\n   bad: [\n");
        assertThatThrownBy(this::command).isInstanceOf(StartFailure.class)
                .hasMessageStartingWith("kiln.yaml in " + WHERE + " is not valid YAML: ")
                .hasMessageContaining("(line ");
    }

    @Test
    void aKilnYamlThatIsNotAMapIsLikeNoBuildJob() throws Exception {
        graph("- just\n- a list\n");
        assertThatThrownBy(this::command).isInstanceOf(StartFailure.class)
                .hasMessageEndingWith("(kiln.yaml has no `build` job)");
    }
}
