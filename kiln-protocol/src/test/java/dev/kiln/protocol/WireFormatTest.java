package dev.kiln.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.protocol.AgentMessage.FinishReason;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent protocol's exact wire form, one golden text per message type. Server and agents of different versions
 * talk to each other: a change that breaks one of these texts breaks them, so it must be deliberate.
 */
class WireFormatTest {
    private static final ObjectMapper MAPPER = Json.MAPPER;

    /** A message, the type it is read back as (as the receiving side does), and its wire form. */
    record Golden(Object message, Class<?> readAs, String json) {}

    static Stream<Named<Golden>> goldens() {
        var labels = new LinkedHashMap<String, List<String>>();
        labels.put("arch", List.of("x86_64"));
        labels.put("toolchain", List.of("gcc-12", "jdk-21"));
        var eventData = new LinkedHashMap<String, Object>();
        eventData.put("kind", "model.fitted");
        eventData.put("duration_ms", 850);
        var assignment = new JobAssignment("j-1", 1, "make test", "https://git.example/repo.git", "main", "abc123",
                Map.of("CI", "true"), Map.of("TOKEN", "s3cr3t"), 600, 10, List.of("dist/*.jar"));
        return Stream.of(
                golden("hello", new AgentMessage.Hello("a-1", "builder", labels, 4, "0.1.0",
                                List.of(new AgentMessage.RunningJob("j-1", 2, 17))), AgentMessage.class, """
                        {"type":"hello","agent_id":"a-1","name":"builder","labels":{"arch":["x86_64"],\
                        "toolchain":["gcc-12","jdk-21"]},"capacity":4,"version":"0.1.0",\
                        "running":[{"job_id":"j-1","attempt":2,"last_acked_seq":17}]}"""),
                golden("heartbeat", new AgentMessage.Heartbeat(0.5, 1024, 4096, 1, true), AgentMessage.class, """
                        {"type":"heartbeat","load":0.5,"memory_used_bytes":1024,"memory_total_bytes":4096,\
                        "active":1,"draining":true}"""),
                golden("job.started", new AgentMessage.JobStarted("j-1", 2, 4242, 1700000000123456789L),
                        AgentMessage.class, """
                        {"type":"job.started","job_id":"j-1","attempt":2,"pid":4242,\
                        "timestamp_ns":1700000000123456789}"""),
                golden("job.started with the commit checked out", new AgentMessage.JobStarted("j-1", 2, 4242, 5,
                                "0123456789abcdef0123456789abcdef01234567"), AgentMessage.class, """
                        {"type":"job.started","job_id":"j-1","attempt":2,"pid":4242,"timestamp_ns":5,\
                        "commit":"0123456789abcdef0123456789abcdef01234567"}"""),
                golden("log", new AgentMessage.Log("j-1", 2, 3, List.of(
                                new LogLine(1, LogStream.STDOUT, "hi"),
                                new LogLine(2, LogStream.STDERR, "oops"),
                                new LogLine(3, LogStream.SYSTEM, "[agent] exit code 0"))), AgentMessage.class, """
                        {"type":"log","job_id":"j-1","attempt":2,"seq":3,"lines":[\
                        {"timestamp_ns":1,"stream":"STDOUT","text":"hi"},\
                        {"timestamp_ns":2,"stream":"STDERR","text":"oops"},\
                        {"timestamp_ns":3,"stream":"SYSTEM","text":"[agent] exit code 0"}]}"""),
                golden("job.event", new AgentMessage.JobEvent("j-1", 2, "model.fitted", eventData, 5),
                        AgentMessage.class, """
                        {"type":"job.event","job_id":"j-1","attempt":2,"kind":"model.fitted",\
                        "data":{"kind":"model.fitted","duration_ms":850},"timestamp_ns":5}"""),
                golden("job.output", new AgentMessage.JobOutput("j-1", 2, "version", "1.2"), AgentMessage.class, """
                        {"type":"job.output","job_id":"j-1","attempt":2,"key":"version","value":"1.2"}"""),
                golden("job.finished (signalled)", new AgentMessage.JobFinished("j-1", 2, 137, 9,
                                FinishReason.CANCELLED, null, 3, 9), AgentMessage.class, """
                        {"type":"job.finished","job_id":"j-1","attempt":2,"exit_code":137,"signal":9,\
                        "reason":"CANCELLED","last_seq":3,"timestamp_ns":9}"""),
                golden("job.finished (no exit code: nulls are left out)", new AgentMessage.JobFinished("j-1", 2,
                                null, null, FinishReason.FAILED_TO_START, "checkout failed", 0, 9),
                        AgentMessage.class, """
                        {"type":"job.finished","job_id":"j-1","attempt":2,"reason":"FAILED_TO_START",\
                        "error":"checkout failed","last_seq":0,"timestamp_ns":9}"""),
                golden("job.ready", new AgentMessage.JobReady("j-1", 2, "port 8080 accepts connections", 9),
                        AgentMessage.class, """
                        {"type":"job.ready","job_id":"j-1","attempt":2,"how":"port 8080 accepts connections",\
                        "timestamp_ns":9}"""),
                golden("welcome", new ServerMessage.Welcome("a-1", 5000), ServerMessage.class, """
                        {"type":"welcome","agent_id":"a-1","heartbeat_interval_ms":5000}"""),
                golden("assign", new ServerMessage.Assign(assignment), ServerMessage.class, """
                        {"type":"assign","job":{"job_id":"j-1","attempt":1,"command":"make test",\
                        "source_repository":"https://git.example/repo.git","branch":"main","commit_hash":"abc123",\
                        "env":{"CI":"true"},"secrets":{"TOKEN":"s3cr3t"},"timeout_seconds":600,\
                        "cancel_grace_seconds":10,"artifacts":["dist/*.jar"]}}"""),
                golden("cancel", new ServerMessage.Cancel("j-1", 1, 10), ServerMessage.class, """
                        {"type":"cancel","job_id":"j-1","attempt":1,"grace_seconds":10}"""),
                golden("ack", new ServerMessage.Ack("j-1", 1, 7), ServerMessage.class, """
                        {"type":"ack","job_id":"j-1","attempt":1,"seq":7}"""),
                golden("job assignment (no source, nulls left out)", new JobAssignment("j-2", 3, "echo hi", null, null,
                                null, null, null, 0, 0, null), JobAssignment.class, """
                        {"job_id":"j-2","attempt":3,"command":"echo hi","env":{},"secrets":{},"timeout_seconds":0,\
                        "cancel_grace_seconds":0,"artifacts":[]}"""),
                golden("assign without a command: the repository's own build (left out)", new ServerMessage.Assign(
                                new JobAssignment("j-3", 1, null, "file:///srv/app", "main", "HEAD", null, null, 3600,
                                        10, null)), ServerMessage.class, """
                        {"type":"assign","job":{"job_id":"j-3","attempt":1,"source_repository":"file:///srv/app",\
                        "branch":"main","commit_hash":"HEAD","env":{},"secrets":{},"timeout_seconds":3600,\
                        "cancel_grace_seconds":10,"artifacts":[]}}"""),
                golden("assign a service that says when it is ready (an older agent ignores ready_when)",
                        new ServerMessage.Assign(new JobAssignment("j-4", 1, "./serve", null, null, null, null, null, 0,
                                10, null, new JobAssignment.ReadyWhen("listening on", null))), ServerMessage.class, """
                        {"type":"assign","job":{"job_id":"j-4","attempt":1,"command":"./serve","env":{},"secrets":{},\
                        "timeout_seconds":0,"cancel_grace_seconds":10,"artifacts":[],\
                        "ready_when":{"log":"listening on"}}}"""),
                golden("job assignment with a port to watch", new JobAssignment("j-5", 1, "./serve", null, null, null,
                                null, null, 0, 10, null, new JobAssignment.ReadyWhen(null, 8080)), JobAssignment.class, """
                        {"job_id":"j-5","attempt":1,"command":"./serve","env":{},"secrets":{},"timeout_seconds":0,\
                        "cancel_grace_seconds":10,"artifacts":[],"ready_when":{"tcp_port":8080}}"""),
                golden("assign with input files (a plan's artifacts for its apply job)", new ServerMessage.Assign(
                                new JobAssignment("j-4", 1, "terraform apply plan.tfplan", null, null, null, null, null,
                                        600, 10, null, List.of(new InputFile("plan.tfplan",
                                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                        "/api/v1/agent/jobs/j-4/inputs/plan.tfplan")))), ServerMessage.class, """
                        {"type":"assign","job":{"job_id":"j-4","attempt":1,"command":"terraform apply plan.tfplan",\
                        "env":{},"secrets":{},"timeout_seconds":600,"cancel_grace_seconds":10,"artifacts":[],\
                        "inputs":[{"path":"plan.tfplan",\
                        "sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",\
                        "url":"/api/v1/agent/jobs/j-4/inputs/plan.tfplan"}]}}"""),
                golden("log line", new LogLine(1700000000000000001L, LogStream.STDERR, "ünïcode \"quoted\""),
                        LogLine.class, """
                        {"timestamp_ns":1700000000000000001,"stream":"STDERR","text":"ünïcode \\"quoted\\""}"""));
    }

    private static Named<Golden> golden(String name, Object message, Class<?> readAs, String json) {
        return Named.of(name, new Golden(message, readAs, json));
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void writesExactlyTheGoldenText(Golden g) throws Exception {
        assertThat(MAPPER.writeValueAsString(g.message())).isEqualTo(g.json());
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void readsTheGoldenTextBackToAnEqualRecord(Golden g) throws Exception {
        assertThat(MAPPER.readValue(g.json(), g.readAs())).isEqualTo(g.message());
    }

    @ParameterizedTest
    @MethodSource("goldens")
    void fieldsAddedByANewerPeerAreIgnored(Golden g) throws Exception {
        String withExtra = "{\"added_later\":{\"x\":[1,2]}," + g.json().substring(1);
        assertThat(MAPPER.readValue(withExtra, g.readAs())).isEqualTo(g.message());
    }

    @Test
    void everyMessageTypeHasAGolden() {
        Set<Class<?>> covered = goldens().map(n -> n.getPayload().message().getClass()).collect(Collectors.toSet());
        assertThat(covered)
                .containsAll(Arrays.asList(AgentMessage.class.getPermittedSubclasses()))
                .containsAll(Arrays.asList(ServerMessage.class.getPermittedSubclasses()))
                .contains(JobAssignment.class, LogLine.class);
    }

    @ParameterizedTest
    @EnumSource(FinishReason.class)
    void finishReasonsTravelByName(FinishReason reason) throws Exception {
        var finished = new AgentMessage.JobFinished("j", 1, 0, null, reason, null, 1, 2);
        String json = "{\"type\":\"job.finished\",\"job_id\":\"j\",\"attempt\":1,\"exit_code\":0,\"reason\":\""
                + reason.name() + "\",\"last_seq\":1,\"timestamp_ns\":2}";
        assertThat(MAPPER.writeValueAsString(finished)).isEqualTo(json);
        assertThat(MAPPER.readValue(json, AgentMessage.class)).isEqualTo(finished);
    }
}
