package dev.kiln.server.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.protocol.ServerMessage;
import dev.kiln.server.fleet.AgentConnection;
import dev.kiln.server.fleet.AgentSession;
import dev.kiln.server.fleet.AgentState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    static final DurationStats.Kind KIND = new DurationStats.Kind("build", "make");
    static final AgentConnection CONNECTED = new AgentConnection() {
        public void send(ServerMessage message) {}
        public void close(int code, String reason) {}
    };

    static AgentSession agent(String name, int capacity, Map<String, List<String>> labels) {
        var a = new AgentSession(name + "-id", name, labels, capacity, "1", AgentState.ONLINE, Instant.now());
        a.connected(name, labels, capacity, "1", CONNECTED, Instant.now());
        return a;
    }

    static JobQueue.Entry job(String id, int priority, long order, Map<String, String> req) {
        return new JobQueue.Entry(id, priority, order, new JobQueue.Needs(req, null), KIND);
    }

    @Test
    void aHeldRetryIsNotDispatchedBeforeItsTimeNorBlocksTheJobsBehindIt() {
        var q = new JobQueue();
        Instant t0 = Instant.parse("2026-11-23T12:00:00Z");
        q.hold(job("retry", 0, 1, Map.of()), t0.plusSeconds(8));
        q.add(job("later", 0, 2, Map.of()));
        var idle = agent("idle", 1, Map.of());
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.groupSizes()).as("the queue's totals count held retries").containsValue(2);
        assertThat(q.contains("retry")).isTrue();
        assertThat(q.heldUntil("retry")).isEqualTo(t0.plusSeconds(8));
        assertThat(q.nextRelease()).isEqualTo(t0.plusSeconds(8));
        assertThat(Scheduler.next(q, List.of(idle)).entry().jobId()).as("the job behind goes first").isEqualTo("later");
        q.remove("later");

        q.release(t0.plusMillis(7_999));
        assertThat(Scheduler.next(q, List.of(idle))).as("a millisecond early").isNull();
        q.release(t0.plusSeconds(8));
        assertThat(q.heldUntil("retry")).isNull();
        assertThat(q.nextRelease()).isNull();
        assertThat(Scheduler.next(q, List.of(idle)).entry().jobId()).isEqualTo("retry");
    }

    @Test
    void aHeldRetryCanBeRemovedLikeAnyQueuedJob() {
        var q = new JobQueue();
        Instant t0 = Instant.parse("2026-11-23T12:00:00Z");
        q.hold(job("retry", 0, 1, Map.of()), t0.plusSeconds(8));
        assertThat(q.remove("retry")).isTrue();
        assertThat(q.size()).isZero();
        assertThat(q.nextRelease()).isNull();
        q.release(t0.plusSeconds(9));
        assertThat(q.contains("retry")).isFalse();
    }

    @Test
    void listValuedLabelsMatchByMembership() {
        var labels = Map.of("arch", List.of("x86_64"), "toolchain", List.of("gcc-12", "jdk-21"));
        assertThat(LabelMatcher.satisfies(Map.of("toolchain", "jdk-21"), labels)).isTrue();
        assertThat(LabelMatcher.satisfies(Map.of("toolchain", "jdk-17"), labels)).isFalse();
        assertThat(LabelMatcher.satisfies(Map.of("arch", "x86_64", "toolchain", "gcc-12"), labels)).isTrue();
        assertThat(LabelMatcher.satisfies(Map.of("os", "linux"), labels)).isFalse();
        assertThat(LabelMatcher.satisfies(Map.of(), labels)).isTrue();
    }

    @Test
    void priorityThenSubmissionOrderAndTheLeastLoadedAgent() {
        var q = new JobQueue();
        q.add(job("low", 0, 1, Map.of()));
        q.add(job("high", 5, 2, Map.of()));
        q.add(job("high-later", 5, 3, Map.of()));
        var busy = agent("busy", 4, Map.of());
        busy.activeJobs().addAll(List.of("a", "b"));
        var idle = agent("idle", 4, Map.of());
        var next = Scheduler.next(q, List.of(busy, idle));
        assertThat(next.entry().jobId()).isEqualTo("high");
        assertThat(next.agent().name()).isEqualTo("idle");
        q.remove("high");
        assertThat(Scheduler.next(q, List.of(busy, idle)).entry().jobId()).isEqualTo("high-later");
    }

    @Test
    void aJobNobodyCanRunDoesNotBlockTheOnesBehindIt() {
        var q = new JobQueue();
        q.add(job("arm", 100, 1, Map.of("arch", "arm64")));
        q.add(job("x86", 0, 2, Map.of("arch", "x86_64")));
        var x86 = agent("x86", 1, Map.of("arch", List.of("x86_64")));
        assertThat(Scheduler.next(q, List.of(x86)).entry().jobId()).isEqualTo("x86");
        var reason = Scheduler.reasonFor(q.get("arm"), q, List.of(x86));
        assertThat(reason.message()).isEqualTo("no online agent has arch=arm64");
    }

    @Test
    void capacityIsRespectedAndTheReasonSaysBusy() {
        var q = new JobQueue();
        q.add(job("j", 0, 1, Map.of()));
        var a = agent("a", 2, Map.of());
        var b = agent("b", 1, Map.of());
        a.activeJobs().addAll(List.of("x", "y"));
        b.activeJobs().add("z");
        assertThat(Scheduler.next(q, List.of(a, b))).isNull();
        assertThat(Scheduler.reasonFor(q.get("j"), q, List.of(a, b)).message())
                .isEqualTo("all 2 matching agents are busy (3/3)");
    }

    @Test
    void slotsHeldByServicesAreNamedInTheReason() {
        var q = new JobQueue();
        q.add(job("j", 0, 1, Map.of()));
        var a = agent("a", 2, Map.of());
        a.activeJobs().addAll(List.of("web", "worker"));
        a.services().addAll(List.of("web", "worker"));
        assertThat(Scheduler.next(q, List.of(a))).isNull();
        var reason = Scheduler.reasonFor(q.get("j"), q, List.of(a));
        assertThat(reason.code()).isEqualTo("full_with_services");
        assertThat(reason.message()).isEqualTo("agent a is full: 2 services running");
        // pinned to it: the same words
        var pinned = new JobQueue.Entry("p", 0, 2, new JobQueue.Needs(Map.of(), "a"), KIND);
        q.add(pinned);
        assertThat(Scheduler.reasonFor(pinned, q, List.of(a)).message()).isEqualTo("agent a is full: 2 services running");
        // a service that ended frees its slot and its mention, however its slot was freed
        a.activeJobs().remove("worker");
        a.activeJobs().add("build");
        assertThat(Scheduler.reasonFor(q.get("j"), q, List.of(a)).message()).isEqualTo("agent a is full: 1 service and 1 job running");
        var b = agent("b", 1, Map.of());
        b.activeJobs().add("z");
        assertThat(Scheduler.reasonFor(q.get("j"), q, List.of(a, b)).message())
                .isEqualTo("all 2 matching agents are full: 1 service and 2 jobs running (3/3)");
        a.activeJobs().remove("web");
        a.activeJobs().add("test");
        assertThat(Scheduler.reasonFor(q.get("j"), q, List.of(a, b)).message())
                .as("no services: busy, as before").isEqualTo("all 2 matching agents are busy (3/3)");
    }

    @Test
    void drainingAndPinnedAgentsAreExplained() {
        var q = new JobQueue();
        q.add(job("j", 0, 1, Map.of("arch", "arm64")));
        var pinned = new JobQueue.Entry("p", 0, 2, new JobQueue.Needs(Map.of(), "build-7"), KIND);
        q.add(pinned);
        var arm = agent("build-7", 2, Map.of("arch", List.of("arm64")));
        arm.setState(AgentState.DRAINING);
        assertThat(Scheduler.next(q, List.of(arm))).isNull();
        assertThat(Scheduler.reasonFor(q.get("j"), q, List.of(arm)).message())
                .isEqualTo("the only matching agent, build-7, is draining");
        assertThat(Scheduler.reasonFor(pinned, q, List.of(arm)).message()).isEqualTo("agent build-7 is draining");
        var ghost = new JobQueue.Entry("g", 0, 3, new JobQueue.Needs(Map.of(), "nobody"), KIND);
        assertThat(Scheduler.reasonFor(ghost, q, List.of(arm)).message()).isEqualTo("agent nobody (server_id) is not registered");
        assertThat(Scheduler.reasonFor(q.get("j"), q, List.of()).message()).isEqualTo("no online agent has arch=arm64");
        var none = job("n", 0, 4, Map.of());
        assertThat(Scheduler.reasonFor(none, q, List.of()).message()).isEqualTo("no agent is online");
    }

    @Test
    void queuePositionsCountAcrossGroups() {
        var q = new JobQueue();
        q.add(job("a", 0, 1, Map.of("arch", "arm64")));
        q.add(job("b", 0, 2, Map.of()));
        q.add(job("c", 9, 3, Map.of("arch", "arm64")));
        assertThat(q.standing(q.get("c")).position()).isEqualTo(1);
        assertThat(q.standing(q.get("a")).position()).isEqualTo(2);
        assertThat(q.standing(q.get("b")).position()).isEqualTo(3);
        assertThat(q.head(2)).extracting(JobQueue.Entry::jobId).containsExactly("c", "a");
        assertThat(q.heads()).extracting(JobQueue.Entry::jobId).containsExactly("c", "b");
    }

    @Test
    void theJobsAheadInTheGroupComeAsRunsOfOneKindInDispatchOrder() {
        var q = new JobQueue();
        var lint = new DurationStats.Kind("build", "lint");
        for (int i = 1; i <= 3; i++) q.add(job("make-" + i, 0, i, Map.of()));
        q.add(new JobQueue.Entry("lint", 0, 4, new JobQueue.Needs(Map.of(), null), lint));
        q.add(job("make-5", 0, 5, Map.of()));
        q.add(job("urgent", 5, 6, Map.of()));
        q.add(job("arm", 9, 7, Map.of("arch", "arm64"))); // another group: counts for the position, not the runs
        q.add(job("me", 0, 8, Map.of()));
        var standing = q.standing(q.get("me"));
        assertThat(standing.position()).isEqualTo(8);
        // urgent (priority 5) and make-1..3 are one run of the same kind
        assertThat(standing.aheadInGroup()).containsExactly(new JobQueue.Run(KIND, 4), new JobQueue.Run(lint, 1),
                new JobQueue.Run(KIND, 1));
        assertThat(q.standing(q.get("urgent")).aheadInGroup()).isEmpty();
    }

    @Test
    void jobsWithTheSameOrderAreBothQueuedAndRemovable() {
        // several servers: one's local order may equal a job's database seq from another
        var q = new JobQueue();
        q.add(job("local", 0, 5, Map.of()));
        q.add(job("from-other-server", 0, 5, Map.of()));
        assertThat(q.head(10)).extracting(JobQueue.Entry::jobId).containsExactlyInAnyOrder("local", "from-other-server");
        assertThat(q.remove("local")).isTrue();
        assertThat(q.remove("from-other-server")).isTrue();
        assertThat(q.size()).isZero();
    }
}
