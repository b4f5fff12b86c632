package dev.kiln.server.jobs;

import dev.kiln.server.core.ValidationException;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.core.JobSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JobSpecParserTest {
    static final ObjectMapper M = new ObjectMapper();

    static JobSpec parse(String json) throws Exception {
        return JobSpecParser.parse(M.readTree(json));
    }

    @Test
    void seedOneFieldsAndDefaults() throws Exception {
        JobSpec s = parse("""
                {"source_repository": "https://example.org/linux.git", "branch": "master", "commit_hash": "HEAD",
                 "target_architecture": "x86_64", "server_id": "auto", "command": "make -j4"}""");
        assertThat(s.requirements()).containsEntry("arch", "x86_64");
        assertThat(s.pinnedAgent()).isNull();
        assertThat(s.type()).isEqualTo("build");
        assertThat(s.name()).isEqualTo("make -j4");
        assertThat(s.timeoutSeconds()).isEqualTo(JobSpecParser.DEFAULT_TIMEOUT_SECONDS);
        assertThat(s.cancelGraceSeconds()).isEqualTo(10);
        assertThat(s.retry()).isEqualTo(RetryPolicy.NONE);
    }

    @Test
    void retryWithoutOnMeansEveryRetryableCondition() throws Exception {
        var r = parse("{\"command\": \"x\", \"retry\": {\"limit\": 2}}").retry();
        assertThat(r.onAnyFailure()).isTrue();
        assertThat(r.onTimeout()).isTrue();
        assertThat(r.onAgentLost()).isTrue();
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        assertThatThrownBy(() -> parse("{\"priority\": \"x\", \"timeout_seconds\": -3, \"bogus\": 1}"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(ValidationException.FieldError::field)
                        .containsExactlyInAnyOrder("bogus", "command", "priority", "timeout_seconds"));
    }

    @Test
    void secretsAreMaskedInTheSnapshot() throws Exception {
        JobSpec s = parse("{\"command\": \"x\", \"secrets\": {\"T\": \"v\"}}");
        assertThat(s.secrets()).containsEntry("T", "v");
        assertThat(s.snapshot().secrets()).containsEntry("T", "***");
    }

    @Test
    void unpairedSurrogatesAreRefusedButRealUnicodeIsKept() throws Exception {
        assertThat(JobSpecParser.hasUnpairedSurrogate("ok 🚀")).isFalse();
        assertThat(JobSpecParser.hasUnpairedSurrogate("bad \ud800 x")).isTrue();
        assertThat(JobSpecParser.hasUnpairedSurrogate("bad \udc00")).isTrue();
        assertThat(parse("{\"command\": \"echo 🚀\"}").command()).isEqualTo("echo 🚀");
    }
}
