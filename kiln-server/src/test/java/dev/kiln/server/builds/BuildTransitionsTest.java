package dev.kiln.server.builds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.server.builds.BuildDecisions.Input;
import dev.kiln.server.builds.BuildDecisions.InputState;
import dev.kiln.server.builds.BuildDecisions.Readiness;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.JobStatus;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every move of the build-request and partition tables, and every decision from every state (like JobTransitionsTest). */
class BuildTransitionsTest {

    static final Map<BuildStatus, Set<BuildStatus>> BUILD_MOVES = Map.of(
            BuildStatus.RECEIVED, EnumSet.of(BuildStatus.PLANNING, BuildStatus.FAILED, BuildStatus.CANCELLED),
            BuildStatus.PLANNING, EnumSet.of(BuildStatus.EXECUTING, BuildStatus.COMPLETED, BuildStatus.FAILED, BuildStatus.CANCELLED),
            BuildStatus.EXECUTING, EnumSet.of(BuildStatus.COMPLETED, BuildStatus.FAILED, BuildStatus.CANCELLED),
            BuildStatus.COMPLETED, EnumSet.noneOf(BuildStatus.class),
            BuildStatus.FAILED, EnumSet.noneOf(BuildStatus.class),
            BuildStatus.CANCELLED, EnumSet.noneOf(BuildStatus.class));

    static final Map<PartitionStatus, Set<PartitionStatus>> PARTITION_MOVES = Map.of(
            PartitionStatus.REQUESTED, EnumSet.of(PartitionStatus.SCHEDULED, PartitionStatus.DELEGATED, PartitionStatus.AVAILABLE, PartitionStatus.FAILED),
            PartitionStatus.SCHEDULED, EnumSet.of(PartitionStatus.BUILDING, PartitionStatus.AVAILABLE, PartitionStatus.FAILED),
            PartitionStatus.BUILDING, EnumSet.of(PartitionStatus.AVAILABLE, PartitionStatus.FAILED),
            PartitionStatus.DELEGATED, EnumSet.of(PartitionStatus.AVAILABLE, PartitionStatus.FAILED),
            PartitionStatus.AVAILABLE, EnumSet.noneOf(PartitionStatus.class),
            PartitionStatus.FAILED, EnumSet.noneOf(PartitionStatus.class));

    @Test
    void theBuildTableAllowsExactlyItsMovesAndRefusesTheRestWith409() {
        for (BuildStatus from : BuildStatus.values()) {
            for (BuildStatus to : BuildStatus.values()) {
                boolean legal = BUILD_MOVES.get(from).contains(to);
                assertThat(from.canMoveTo(to)).as(from + " → " + to).isEqualTo(legal);
                if (!legal) {
                    assertThatThrownBy(() -> from.checkTransition("b-1", to)).isInstanceOf(IllegalTransitionException.class)
                            .hasMessageContaining("build b-1 is " + from.wireName());
                }
            }
            assertThat(from.isEnded()).isEqualTo(BUILD_MOVES.get(from).isEmpty());
            assertThat(BuildStatus.fromWire(from.wireName())).isEqualTo(from);
        }
        assertThatThrownBy(() -> BuildStatus.fromWire("done")).hasMessageContaining("one of received");
    }

    @Test
    void thePartitionTableAllowsExactlyItsMoves() {
        for (PartitionStatus from : PartitionStatus.values()) {
            for (PartitionStatus to : PartitionStatus.values()) {
                assertThat(from.canMoveTo(to)).as(from + " → " + to).isEqualTo(PARTITION_MOVES.get(from).contains(to));
            }
            assertThat(from.isSettled()).isEqualTo(PARTITION_MOVES.get(from).isEmpty());
            assertThat(PartitionStatus.fromWire(from.wireName())).isEqualTo(from);
        }
    }

    @Test
    void aJobsStatusMovesItsPartitionsFromEveryStateTheTableAllows() {
        for (PartitionStatus now : PartitionStatus.values()) {
            for (JobStatus job : JobStatus.values()) {
                PartitionStatus target = switch (job) {
                    case QUEUED, ASSIGNED -> PartitionStatus.SCHEDULED;
                    case RUNNING, CANCELLING, STOPPING -> PartitionStatus.BUILDING;
                    case SUCCEEDED -> PartitionStatus.AVAILABLE;
                    default -> PartitionStatus.FAILED;
                };
                PartitionStatus expected = target != now && now.canMoveTo(target) ? target : null;
                assertThat(BuildDecisions.partitionOnJob(now, job)).as(now + " with a job " + job).isEqualTo(expected);
            }
        }
        assertThat(BuildDecisions.partitionOnJob(PartitionStatus.SCHEDULED, JobStatus.RUNNING)).isEqualTo(PartitionStatus.BUILDING);
        assertThat(BuildDecisions.partitionOnJob(PartitionStatus.BUILDING, JobStatus.SUCCEEDED)).isEqualTo(PartitionStatus.AVAILABLE);
        assertThat(BuildDecisions.partitionOnJob(PartitionStatus.BUILDING, JobStatus.TIMED_OUT)).isEqualTo(PartitionStatus.FAILED);
        assertThat(BuildDecisions.partitionOnJob(PartitionStatus.AVAILABLE, JobStatus.FAILED)).as("settled stays").isNull();
    }

    @Test
    void anEntryHasEndedWhenSkippedOrItsJobEnded() {
        assertThat(BuildDecisions.entryEnded("waiting")).isFalse();
        assertThat(BuildDecisions.entryEnded("skipped")).isTrue();
        for (JobStatus s : JobStatus.values()) assertThat(BuildDecisions.entryEnded(s.wireName())).isEqualTo(s.isTerminal());
    }

    @Test
    void aPlanJobRunsWhenEveryInputIsReadyAndIsSkippedWhenOneFailed() {
        var ready = new Input("raw/d=1 (raw#1)", InputState.READY);
        var pending = new Input("left/d=1 (left#1)", InputState.PENDING);
        var failed = new Input("bad/d=1 (bad#1)", InputState.FAILED);
        assertThat(BuildDecisions.readiness(List.of())).isEqualTo(Readiness.SUBMIT);
        assertThat(BuildDecisions.readiness(List.of(ready))).isEqualTo(Readiness.SUBMIT);
        assertThat(BuildDecisions.readiness(List.of(ready, pending))).isEqualTo(Readiness.WAIT);
        assertThat(BuildDecisions.readiness(List.of(pending, failed))).isEqualTo(new Readiness.Skip("input bad/d=1 (bad#1) failed"));
    }

    @Test
    void aBuildEndsOnlyWhenNothingIsOpenCompletedIfAllIsAvailableElseFailedWithTheFirstFailure() {
        for (BuildStatus s : BuildStatus.values()) {
            if (s != BuildStatus.EXECUTING) assertThat(BuildDecisions.ending(s, 0, 0, 0, null)).as(s.name()).isNull();
        }
        assertThat(BuildDecisions.ending(BuildStatus.EXECUTING, 1, 0, 0, null)).isNull();
        assertThat(BuildDecisions.ending(BuildStatus.EXECUTING, 0, 1, 0, null)).as("a delegated partition unsettled").isNull();
        assertThat(BuildDecisions.ending(BuildStatus.EXECUTING, 0, 0, 0, null))
                .isEqualTo(new BuildDecisions.Ending(BuildStatus.COMPLETED, null));
        assertThat(BuildDecisions.ending(BuildStatus.EXECUTING, 0, 0, 2, "bad#1 (bad) failed"))
                .isEqualTo(new BuildDecisions.Ending(BuildStatus.FAILED, "bad#1 (bad) failed"));
        assertThat(BuildDecisions.ending(BuildStatus.EXECUTING, 0, 0, 2, null).reason()).isEqualTo("2 requested partitions failed");
    }
}
