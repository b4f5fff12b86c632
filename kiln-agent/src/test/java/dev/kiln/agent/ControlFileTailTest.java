package dev.kiln.agent;

import dev.kiln.protocol.SecretMasker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.JobAssignment;
import dev.kiln.protocol.LogLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlFileTailTest {
    @TempDir
    Path dir;
    final List<AgentMessage> sent = new ArrayList<>();
    final List<LogLine> logged = new ArrayList<>();

    ControlFileTail tail(JobPaths paths) {
        var job = new JobAssignment("job-1", 2, "true", null, null, null, null, Map.of("TOKEN", "s3cr3t"), 0, 0, null);
        var log = new JobLog(logged::add, new SecretMasker(job.secrets().values()));
        return new ControlFileTail(job, paths, sent::add, log);
    }

    void append(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    List<String> system() {
        return logged.stream().map(LogLine::text).toList();
    }

    @Test
    void forwardsCompleteLinesAsTheyArriveAndTheUnfinishedOneAtTheEnd() throws Exception {
        var paths = JobPaths.of(dir, "job-1", 2);
        var tail = tail(paths);
        tail.poll(false); // neither file exists yet: nothing, no warning
        assertThat(sent).isEmpty();

        append(paths.outputFile(), "version=1.2\nchannel=be");
        tail.poll(false);
        assertThat(sent).containsExactly(new AgentMessage.JobOutput("job-1", 2, "version", "1.2"));

        append(paths.outputFile(), "ta\n\nlast = token s3cr3t");
        tail.poll(false);
        assertThat(sent).hasSize(2).last().isEqualTo(new AgentMessage.JobOutput("job-1", 2, "channel", "beta"));

        tail.finish();
        assertThat(sent).hasSize(3).last().isEqualTo(new AgentMessage.JobOutput("job-1", 2, "last", " token ***"));
        assertThat(logged).isEmpty();
    }

    @Test
    void eventsAreJsonObjectsWithAKindAndEverythingElseIsAWarning() throws Exception {
        var paths = JobPaths.of(dir, "job-1", 2);
        var tail = tail(paths);
        append(paths.eventsFile(), """
                {"kind":"model.fitted","duration_ms":850}
                not json
                ["kind"]
                {"kind":""}
                """);
        append(paths.outputFile(), "=no key\n");
        tail.finish();

        assertThat(sent).singleElement().isInstanceOfSatisfying(AgentMessage.JobEvent.class, e -> {
            assertThat(e.jobId()).isEqualTo("job-1");
            assertThat(e.attempt()).isEqualTo(2);
            assertThat(e.kind()).isEqualTo("model.fitted");
            assertThat(e.data()).containsEntry("duration_ms", 850).containsEntry("kind", "model.fitted");
        });
        assertThat(system()).containsExactlyInAnyOrder(
                "[agent] warning: ignored malformed line in KILN_OUTPUT (want key=value): =no key",
                "[agent] warning: ignored malformed line in KILN_EVENTS (not JSON): not json",
                "[agent] warning: ignored line in KILN_EVENTS without a string \"kind\": [\"kind\"]",
                "[agent] warning: ignored line in KILN_EVENTS without a string \"kind\": {\"kind\":\"\"}");
    }

    @Test
    void aLineTailReadsEachLineOnceAcrossPolls() throws Exception {
        Path file = dir.resolve("f");
        var lines = new ArrayList<String>();
        var tail = new LineTail(file, lines::add);
        tail.poll(true);
        append(file, "a\nb");
        tail.poll(false);
        tail.poll(false);
        append(file, "c\n  \nd\n");
        tail.poll(false);
        tail.poll(true);
        assertThat(lines).containsExactly("a", "bc", "d");
    }
}
