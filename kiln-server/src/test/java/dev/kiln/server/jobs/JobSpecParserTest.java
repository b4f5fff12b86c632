package dev.kiln.server.jobs;

import dev.kiln.server.core.ValidationException;
import dev.kiln.server.core.RetryPolicy;
import dev.kiln.server.core.JobSpec;
import dev.kiln.server.core.ReadyWhen;
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
    void aRepositoryWithoutACommandRunsTheRepositorysOwnBuild() throws Exception {
        // seed 001's clients send exactly this body: no command
        JobSpec s = parse("""
                {"source_repository": "https://github.com/torvalds/linux", "branch": "master", "commit_hash": "HEAD",
                 "target_architecture": "x86_64", "server_id": "auto"}""");
        assertThat(s.command()).isNull();
        assertThat(s.name()).isEqualTo("build https://github.com/torvalds/linux");
        assertThat(parse("{\"source_repository\": \"file:///srv/r\", \"command\": null}").command()).isNull();
    }

    @Test
    void withoutARepositoryTheCommandIsStillRequired() {
        for (String body : new String[] {"{}", "{\"branch\": \"main\"}", "{\"source_repository\": null}"}) {
            assertThatThrownBy(() -> parse(body)).as(body)
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                            .anySatisfy(err -> {
                                assertThat(err.field()).isEqualTo("command");
                                assertThat(err.message()).contains("unless source_repository is given");
                            }));
        }
        assertThatThrownBy(() -> parse("{\"source_repository\": \"file:///srv/r\", \"command\": \" \"}"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(ValidationException.FieldError::field).containsExactly("command"));
    }

    @Test
    void retryWithoutOnMeansEveryRetryableCondition() throws Exception {
        var r = parse("{\"command\": \"x\", \"retry\": {\"limit\": 2}}").retry();
        assertThat(r.onAnyFailure()).isTrue();
        assertThat(r.onTimeout()).isTrue();
        assertThat(r.onAgentLost()).isTrue();
    }

    @Test
    void retryBackoffDefaultsToFiveSecondsZeroMeansAtOnceAndNonsenseNamesTheField() throws Exception {
        assertThat(parse("{\"command\": \"x\", \"retry\": {\"limit\": 2}}").retry().backoffSeconds())
                .isEqualTo(RetryPolicy.DEFAULT_BACKOFF_SECONDS);
        assertThat(parse("{\"command\": \"x\", \"retry\": {\"limit\": 2, \"backoff_seconds\": 0}}").retry().backoffSeconds())
                .isZero();
        assertThat(parse("{\"command\": \"x\", \"retry\": {\"limit\": 2, \"backoff_seconds\": 1800}}").retry().backoffSeconds())
                .isEqualTo(1800);
        for (String bad : new String[] {"null", "-1", "1801", "1.5", "\"5\"", "true", "[]"}) {
            assertThatThrownBy(() -> parse("{\"command\": \"x\", \"retry\": {\"limit\": 2, \"backoff_seconds\": " + bad + "}}"))
                    .as(bad).isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                            .extracting(ValidationException.FieldError::field).containsExactly("retry.backoff_seconds"));
        }
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

    @Test
    void nullCommandIsAnErrorNamingTheFieldWithOrWithoutAName() {
        for (String body : new String[] {"{\"command\": null, \"name\": \"x\"}", "{\"command\": null}"}) {
            assertThatThrownBy(() -> parse(body)).as(body)
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                            .extracting(ValidationException.FieldError::field).containsExactly("command"));
        }
    }

    @Test
    void nullTimeoutsAreRefusedOtherOptionalNullsMeanTheDefault() throws Exception {
        for (String field : new String[] {"timeout_seconds", "cancel_grace_seconds"}) {
            assertThatThrownBy(() -> parse("{\"command\": \"x\", \"" + field + "\": null}"))
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                            .extracting(ValidationException.FieldError::field).containsExactly(field));
        }
        JobSpec s = parse("""
                {"command": "x", "name": null, "type": null, "labels": null, "env": null, "secrets": null,
                 "priority": null, "retry": null, "artifacts": null, "service": null, "server_id": null}""");
        assertThat(s.name()).isEqualTo("x");
        assertThat(s.type()).isEqualTo("build");
        assertThat(s.priority()).isZero();
    }

    @Test
    void aServiceHasNoDefaultTimeoutRestartsAsARetryPolicyAndSaysWhenItIsReady() throws Exception {
        JobSpec s = parse("""
                {"command": "./serve", "service": true, "restart": {"policy": "on_failure", "limit": 4, "backoff_seconds": 2},
                 "ready_when": {"log": "listening on :\\\\d+"}}""");
        assertThat(s.service()).isTrue();
        assertThat(s.type()).as("the default type of a service").isEqualTo("service");
        assertThat(s.timeoutSeconds()).as("runs until stopped").isZero();
        assertThat(s.retry()).isEqualTo(RetryPolicy.restartOnFailure(4, 2));
        assertThat(s.readyWhen()).isEqualTo(ReadyWhen.logMatches("listening on :\\d+"));
        assertThat(parse("{\"command\": \"x\", \"service\": true, \"timeout_seconds\": 60}").timeoutSeconds()).isEqualTo(60);
        assertThat(parse("{\"command\": \"x\", \"service\": true, \"ready_when\": {\"tcp_port\": 8080}}").readyWhen())
                .isEqualTo(ReadyWhen.tcpPort(8080));
        JobSpec defaults = parse("{\"command\": \"x\", \"service\": true, \"restart\": {\"policy\": \"on_failure\"}}");
        assertThat(defaults.retry()).isEqualTo(RetryPolicy.restartOnFailure(JobSpecParser.DEFAULT_RESTART_LIMIT,
                RetryPolicy.DEFAULT_BACKOFF_SECONDS));
        assertThat(parse("{\"command\": \"x\", \"service\": true, \"restart\": {\"policy\": \"never\"}}").retry())
                .isEqualTo(RetryPolicy.NONE);
        assertThat(parse("{\"command\": \"x\"}").timeoutSeconds()).isEqualTo(JobSpecParser.DEFAULT_TIMEOUT_SECONDS);
    }

    @Test
    void serviceFieldsSayWhatToFix() {
        String[][] cases = {
                {"{\"command\": \"x\", \"restart\": {\"policy\": \"on_failure\"}}", "restart", "services only"},
                {"{\"command\": \"x\", \"ready_when\": {\"tcp_port\": 80}}", "ready_when", "services only"},
                {"{\"command\": \"x\", \"service\": true, \"retry\": {\"limit\": 2}}", "retry", "restart"},
                {"{\"command\": \"x\", \"service\": true, \"restart\": {\"policy\": \"always\"}}", "restart.policy", "on_failure"},
                {"{\"command\": \"x\", \"service\": true, \"restart\": {\"policy\": \"never\", \"limit\": 2}}", "restart.policy", "mean nothing"},
                {"{\"command\": \"x\", \"service\": true, \"restart\": {\"policy\": \"on_failure\", \"limit\": 0}}", "restart.limit", "between 1 and 10"},
                {"{\"command\": \"x\", \"service\": true, \"restart\": {\"polcy\": \"never\"}}", "restart.polcy", "unknown field"},
                {"{\"command\": \"x\", \"service\": true, \"ready_when\": {\"log\": \"(\"}}", "ready_when.log", "not a valid regular expression"},
                {"{\"command\": \"x\", \"service\": true, \"ready_when\": {\"tcp_port\": 70000}}", "ready_when.tcp_port", "between 1 and 65535"},
                {"{\"command\": \"x\", \"service\": true, \"ready_when\": {\"log\": \"a\", \"tcp_port\": 1}}", "ready_when", "tcp_port"},
                {"{\"command\": \"x\", \"service\": true, \"ready_when\": \"port 80\"}", "ready_when", "tcp_port"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> parse(c[0])).as(c[0]).isInstanceOfSatisfying(ValidationException.class,
                    e -> assertThat(e.errors()).anySatisfy(err -> {
                        assertThat(err.field()).isEqualTo(c[1]);
                        assertThat(err.message()).contains(c[2]);
                    }));
        }
    }

    /** Every field, every kind of JSON value: the parser either returns a whole spec or names what to fix. */
    @Test
    void everyFieldWithEveryKindOfValueIsEitherAcceptedWholeOrAFieldError() throws Exception {
        String[] fields = {"name", "type", "command", "source_repository", "branch", "commit_hash",
                "target_architecture", "server_id", "labels", "env", "secrets", "priority", "timeout_seconds",
                "cancel_grace_seconds", "retry", "artifacts", "service", "restart", "ready_when"};
        String[] values = {"null", "true", "0", "-1", "1e400", "99999999999999999999999", "1.5", "\"\"", "\" \"",
                "\"\\u0000\"", "\"\\ud800\"", "\"" + "x".repeat(300_000) + "\"", "[]", "[null]", "[1, \"a\"]",
                "{}", "{\"A\": null}", "{\"A\": [1]}", "{\"limit\": null, \"on\": [null]}"};
        for (String field : fields) {
            for (String value : values) {
                // a service's own fields are tried on a service
                String base = field.equals("restart") || field.equals("ready_when") ? "\"service\": true, " : "";
                String body = field.equals("command") ? "{\"command\": " + value + "}"
                        : "{" + base + "\"command\": \"x\", \"" + field + "\": " + value + "}";
                String shown = field + "=" + (value.length() > 40 ? value.substring(0, 40) : value);
                try {
                    JobSpec s = parse(body);
                    assertThat(s.command()).as(shown).isNotBlank();
                    assertThat(s.name()).as(shown).isNotNull();
                    assertThat(s.type()).as(shown).isNotNull();
                    assertThat(s.retry()).as(shown).isNotNull();
                } catch (ValidationException e) {
                    assertThat(e.errors()).as(shown).isNotEmpty()
                            .allSatisfy(err -> assertThat(err.message()).isNotBlank());
                }
            }
        }
    }

    @Test
    void notifyTargetsAreParsedAndEveryProblemNamedAtItsPlace() throws Exception {
        JobSpec s = parse("""
                {"command": "make", "notify": [{"url": "https://hooks.example.com/a", "on": ["job.failed", "job.failed", "job.succeeded"]}]}""");
        assertThat(s.notifyTargets()).containsExactly(new dev.kiln.server.core.NotifyTarget("https://hooks.example.com/a",
                java.util.List.of("job.failed", "job.succeeded")));
        assertThat(parse("{\"command\": \"make\"}").notifyTargets()).isEmpty();
        assertThatThrownBy(() -> parse("""
                {"command": "make", "notify": [{"url": "file:///etc/passwd", "on": []}, {"url": "http://h", "on": ["job.done"], "secret": "x"}, 3]}"""))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(ValidationException.FieldError::field)
                        .containsExactlyInAnyOrder("notify[0].url", "notify[0].on", "notify[1].on[0]", "notify[1].secret", "notify[2]"));
        assertThatThrownBy(() -> parse("{\"command\": \"make\", \"notify\": {\"url\": \"http://h\"}}"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(ValidationException.FieldError::field).containsExactly("notify"));
    }

    @Test
    void applyDeclaresWhatApplyingRunsWithTypeDeployByDefault() throws Exception {
        JobSpec s = parse("""
                {"command": "terraform plan -out plan.tfplan", "type": "plan",
                 "apply": {"command": "terraform apply plan.tfplan", "labels": {"role": "deploy"}}}""");
        assertThat(s.apply()).isEqualTo(new dev.kiln.server.core.ApplySpec("terraform apply plan.tfplan", "deploy",
                java.util.Map.of("role", "deploy")));
        assertThat(s.applies()).isNull();
        assertThat(s.inputs()).isEmpty();
        assertThat(parse("{\"command\": \"true\"}").apply()).isNull();
    }

    @Test
    void aBadApplyNamesEachFieldToFixAndAClientCannotSayWhatAJobApplies() {
        assertThatThrownBy(() -> parse("""
                {"command": "true", "apply": {"type": "bad type!", "labels": {"-x": "1"}, "colour": "red"}}"""))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(ValidationException.FieldError::field)
                        .containsExactlyInAnyOrder("apply.colour", "apply.command", "apply.type", "apply.labels.-x"));
        assertThatThrownBy(() -> parse("{\"command\": \"true\", \"apply\": \"terraform apply\"}"))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(ValidationException.FieldError::field).containsExactly("apply"));
        for (String field : java.util.List.of("applies", "inputs", "input_files")) {
            assertThatThrownBy(() -> parse("{\"command\": \"true\", \"" + field + "\": []}")).as(field)
                    .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                            .extracting(ValidationException.FieldError::field).containsExactly(field));
        }
    }
}
