package dev.kiln.server.store;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.events.Event;
import dev.kiln.server.events.EventBus;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Store} passes (JobRunr's StorageProviderTest pattern). A store module depends on the
 * kiln-server test-jar, extends this class and implements {@link #createStore}: each test gets a fresh, empty store,
 * and {@code createStore} called again within a test must open the same data (a restart).
 *
 * <p>The tests live in the interfaces below, one per part of the contract. {@link #COVERAGE} names the test(s) of
 * every method of {@link Store} and {@link StoreTx}; {@link #everyStoreMethodHasATest} fails when a method is added
 * to either interface without a test named here.
 */
public abstract class StoreContractTest implements JobsContract, JobListingContract, AttemptsAndLogsContract,
        EventsContract, AgentsArtifactsTokensContract, SessionsContract, WritesContract, RetentionContract,
        NotificationsContract, BuildsContract, FollowUpsContract, SharedServersContract {

    /** Method of Store or StoreTx → the contract tests that cover it. */
    public static final Map<String, List<String>> COVERAGE = Map.ofEntries(
            entry("Store.write", List.of("writeCompletesWithWhatTheWorkReturns", "aFailingWriteCommitsNothingAndPublishesNothing",
                    "aWriteFailingInTheStoreRollsBackItsEarlierChanges", "writesSubmittedInOrderCommitInOrderAndPublishInCommitOrder",
                    "concurrentWritersEachKeepTheirOrderAndTheBusFollowsTheStore", "aPublishedEventsStateIsAlreadyReadable")),
            entry("Store.job", List.of("insertedJobGetsItsSeqAndRoundTripsWithSecretsKeptApart", "unknownJobAndJobWithoutSecretsReadAsEmpty")),
            entry("Store.jobIdsStartingWith", List.of("jobIdsStartingWithAPrefixAreFoundInIdOrderUpToTheLimit")),
            entry("Store.jobs", List.of("pagesNewestFirstWithACursorUntilTheLastPage", "aPageThatEndsExactlyAtTheLastJobHasNoCursor",
                    "emptyStoreListsNothing", "filtersByAnyOfTheGivenStatuses", "filtersByType", "filtersByOneLabelRequirementExactly",
                    "labelFilterPagesWithTheCursor", "filtersByText", "filtersCombine")),
            entry("Store.activeJobs", List.of("activeJobsAreTheUnfinishedOnesInSubmissionOrder",
                    "aRetryWaitingOutItsBackoffKeepsItsNotBeforeTimeUntilAssigned", "committedWritesSurviveReopeningAndIdsKeepIncreasing")),
            entry("Store.countByStatus", List.of("countByStatusCountsEveryStatusPresent")),
            entry("Store.attempts", List.of("attemptsRoundTripAndListInNumberOrder")),
            entry("Store.attempt", List.of("attemptsRoundTripAndListInNumberOrder", "updateAttemptStoresEveryFieldThatChanges")),
            entry("Store.secrets", List.of("insertedJobGetsItsSeqAndRoundTripsWithSecretsKeptApart", "unknownJobAndJobWithoutSecretsReadAsEmpty")),
            entry("Store.jobEvents", List.of("jobEventsAreTheEventsOfThatJobOnly")),
            entry("Store.jobEventsTail", List.of("aJobsEventsTailIsItsNewestEventsOldestFirstWithTheCountOfAll")),
            entry("Store.events", List.of("eventsAfterAnIdComeOldestFirstUpToTheLimit", "appendedEventGetsAnIdAndRoundTrips")),
            entry("Store.lastEventId", List.of("lastEventIdIsTheNewestIdOrZero")),
            entry("Store.logLines", List.of("logLinesAreReadByRangeAcrossChunkBoundaries")),
            entry("Store.forEachLogLine", List.of("forEachLogLineStreamsTheWholeLogInOrder")),
            entry("Store.recentDurationsMs", List.of("recentDurationsAreOfSucceededJobsOfTheTypeAndNameNewestFirst")),
            entry("Store.agents", List.of("agentsAreListedByName", "upsertAgentAddsThenReplacesButKeepsFirstSeen")),
            entry("Store.artifacts", List.of("artifactsListByAttemptThenNameAndAReuploadReplaces")),
            entry("Store.tokens", List.of("tokensListNewestFirstAndRevokeOnce")),
            entry("Store.close", List.of("committedWritesSurviveReopeningAndIdsKeepIncreasing", "aWriteAfterCloseFailsInsteadOfHanging")),
            entry("StoreTx.insertJob", List.of("insertedJobGetsItsSeqAndRoundTripsWithSecretsKeptApart", "seqIncreasesWithEachInsertedJob",
                    "rerunOfIsKept", "jobsApplyingAJobAreFoundOldestFirstAndTheSpecKeepsWhatItApplies")),
            entry("StoreTx.claimQueuedJob", List.of("aQueuedJobIsClaimedOnceAndNeverWhenNoLongerQueued",
                    "aQueuedJobIsCancelledThroughTheClaimOnlyWhileStillQueued")),
            entry("StoreTx.updateJob", List.of("updateJobStoresEveryFieldThatChanges",
                    "aRetryWaitingOutItsBackoffKeepsItsNotBeforeTimeUntilAssigned", "updatingAJobThatDoesNotExistFailsTheWrite",
                    "jobsWithManyStatusesRoundTripTheirStatus")),
            entry("StoreTx.insertAttempt", List.of("attemptsRoundTripAndListInNumberOrder")),
            entry("StoreTx.updateAttempt", List.of("updateAttemptStoresEveryFieldThatChanges", "updatingAnAttemptThatDoesNotExistFailsTheWrite")),
            entry("StoreTx.appendEvent", List.of("appendedEventGetsAnIdAndRoundTrips", "eventsOfOneWriteHaveIncreasingIdsInAppendOrder",
                    "writesSubmittedInOrderCommitInOrderAndPublishInCommitOrder")),
            entry("StoreTx.appendLogChunk", List.of("logLinesAreReadByRangeAcrossChunkBoundaries", "forEachLogLineStreamsTheWholeLogInOrder")),
            entry("StoreTx.upsertAgent", List.of("upsertAgentAddsThenReplacesButKeepsFirstSeen", "upsertAgentNeverMovesLastSeenBack")),
            entry("StoreTx.upsertArtifact", List.of("artifactsListByAttemptThenNameAndAReuploadReplaces")),
            entry("StoreTx.insertToken", List.of("tokensListNewestFirstAndRevokeOnce")),
            entry("StoreTx.revokeToken", List.of("tokensListNewestFirstAndRevokeOnce")),
            entry("Store.activeSessions", List.of("sessionsAreActiveUntilRevokedOrExpiredAndRevokingEndsThemOnce")),
            entry("StoreTx.insertSession", List.of("sessionsAreActiveUntilRevokedOrExpiredAndRevokingEndsThemOnce")),
            entry("StoreTx.touchSession", List.of("sessionsAreActiveUntilRevokedOrExpiredAndRevokingEndsThemOnce")),
            entry("StoreTx.revokeSession", List.of("sessionsAreActiveUntilRevokedOrExpiredAndRevokingEndsThemOnce")),
            entry("StoreTx.revokeSessionsOf", List.of("sessionsAreActiveUntilRevokedOrExpiredAndRevokingEndsThemOnce")),
            entry("Store.signInCodeTokenId", List.of("aSignInCodeIsRedeemedOnceAndNeverAfterItExpires")),
            entry("StoreTx.insertSignInCode", List.of("aSignInCodeIsRedeemedOnceAndNeverAfterItExpires")),
            entry("StoreTx.redeemSignInCode", List.of("aSignInCodeIsRedeemedOnceAndNeverAfterItExpires")),
            entry("StoreTx.bindTokenToAgent", List.of("anAgentTokenIsBoundOnceAndKeepsItsBinding")),
            entry("Store.finishedJobs", List.of("finishedJobsAreTheTerminalOnesBeforeATimeOldestFirstWithWhatTheyHold",
                    "deleteLogsKeepsTheJobAndRecordsWhenItsLogWent")),
            entry("Store.logsPrunedAt", List.of("deleteLogsKeepsTheJobAndRecordsWhenItsLogWent")),
            entry("Store.artifactContentInUse", List.of("deleteJobRemovesAllItHoldsAndNamesTheContentsNoRowPointsTo",
                    "deleteArtifactsRemovesTheRowsOnlyAndKeepsSharedContents", "inputsAndReleaseFilesKeepTheirContentWhenTheJobsArtifactsOrTheJobGo")),
            entry("Store.dataBytes", List.of("dataBytesFollowTheDataAndReclaimingSpaceKeepsWhatRemains")),
            entry("Store.reclaimSpace", List.of("dataBytesFollowTheDataAndReclaimingSpaceKeepsWhatRemains")),
            entry("Store.backupTo", List.of("backupToWritesASnapshotAStoreOpensWithTheSameData")),
            entry("Store.health", List.of("aFreshStoreIsReachableAndMigrated")),
            entry("StoreTx.deleteJob", List.of("deleteJobRemovesAllItHoldsAndNamesTheContentsNoRowPointsTo",
                    "deletingAJobTakesTheDeliveriesAboutItThatAreDoneButSendsThePendingOnes",
                    "dataBytesFollowTheDataAndReclaimingSpaceKeepsWhatRemains")),
            entry("StoreTx.deleteArtifacts", List.of("deleteArtifactsRemovesTheRowsOnlyAndKeepsSharedContents")),
            entry("StoreTx.deleteLogs", List.of("deleteLogsKeepsTheJobAndRecordsWhenItsLogWent")),
            entry("Store.useOutbox", List.of("theOutboxWritesDeliveriesInTheTransactionOfTheirEventSeeingTheJobAsWritten")),
            entry("Store.notificationSubscriptions", List.of("subscriptionsRoundTripWithTheirSecretAndDeletingOneTakesItsDeliveries")),
            entry("Store.subscriptionDeliveries", List.of("subscriptionsRoundTripWithTheirSecretAndDeletingOneTakesItsDeliveries")),
            entry("Store.jobDeliveries", List.of("theOutboxWritesDeliveriesInTheTransactionOfTheirEventSeeingTheJobAsWritten",
                    "dueDeliveriesArePendingOnesDueSoonestFirstAndAttemptsMoveThem")),
            entry("Store.dueDeliveries", List.of("dueDeliveriesArePendingOnesDueSoonestFirstAndAttemptsMoveThem",
                    "subscriptionsRoundTripWithTheirSecretAndDeletingOneTakesItsDeliveries")),
            entry("Store.nextDeliveryDue", List.of("dueDeliveriesArePendingOnesDueSoonestFirstAndAttemptsMoveThem")),
            entry("StoreTx.insertSubscription", List.of("subscriptionsRoundTripWithTheirSecretAndDeletingOneTakesItsDeliveries")),
            entry("StoreTx.deleteSubscription", List.of("subscriptionsRoundTripWithTheirSecretAndDeletingOneTakesItsDeliveries")),
            entry("StoreTx.insertDelivery", List.of("theOutboxWritesDeliveriesInTheTransactionOfTheirEventSeeingTheJobAsWritten",
                    "dueDeliveriesArePendingOnesDueSoonestFirstAndAttemptsMoveThem")),
            entry("StoreTx.recordDeliveryAttempt", List.of("dueDeliveriesArePendingOnesDueSoonestFirstAndAttemptsMoveThem")),
            entry("Store.build", List.of("aBuildRoundTripsAndUpdatesAndTheDrivenOnesAreWhatAStartPicksUp")),
            entry("Store.builds", List.of("buildsPageNewestFirstByStatusAndByRequestedPartition")),
            entry("Store.drivenBuilds", List.of("aBuildRoundTripsAndUpdatesAndTheDrivenOnesAreWhatAStartPicksUp")),
            entry("Store.buildPartitions", List.of("aBuildsPartitionsPageInRefOrderByStatusAndDelegationsAreFoundFromTheBuildDelegatedTo")),
            entry("Store.delegatedTo", List.of("aBuildsPartitionsPageInRefOrderByStatusAndDelegationsAreFoundFromTheBuildDelegatedTo")),
            entry("Store.buildJobs", List.of("aBuildsJobsListInPlanOrderAndAreFoundByTheirKilnJobAndDefinition")),
            entry("Store.buildJobSecrets", List.of("aBuildJobsSecretsAreKeptSealedAndOpenOnlyForItsBuildAndPosition")),
            entry("Store.buildJobOf", List.of("aBuildsJobsListInPlanOrderAndAreFoundByTheirKilnJobAndDefinition")),
            entry("Store.recentBuildJobs", List.of("aBuildsJobsListInPlanOrderAndAreFoundByTheirKilnJobAndDefinition")),
            entry("Store.partitions", List.of("partitionsKeepTheirLatestStateAndCountsByStatusFollowEveryChange",
                    "partitionsPageInRefOrderWithinAPrefixAndAStatus")),
            entry("Store.partitionCounts", List.of("partitionsKeepTheirLatestStateAndCountsByStatusFollowEveryChange")),
            entry("Store.buildEvents", List.of("buildAndPartitionEventsAreIndexedByTheirBuildAndRefOnly")),
            entry("Store.partitionEvents", List.of("buildAndPartitionEventsAreIndexedByTheirBuildAndRefOnly")),
            entry("StoreTx.insertBuild", List.of("aBuildRoundTripsAndUpdatesAndTheDrivenOnesAreWhatAStartPicksUp",
                    "buildsPageNewestFirstByStatusAndByRequestedPartition")),
            entry("StoreTx.updateBuild", List.of("aBuildRoundTripsAndUpdatesAndTheDrivenOnesAreWhatAStartPicksUp")),
            entry("StoreTx.upsertBuildPartition", List.of("aBuildsPartitionsPageInRefOrderByStatusAndDelegationsAreFoundFromTheBuildDelegatedTo")),
            entry("StoreTx.upsertBuildJob", List.of("aBuildsJobsListInPlanOrderAndAreFoundByTheirKilnJobAndDefinition",
                    "aBuildJobsSecretsAreKeptSealedAndOpenOnlyForItsBuildAndPosition")),
            entry("StoreTx.upsertPartition", List.of("partitionsKeepTheirLatestStateAndCountsByStatusFollowEveryChange",
                    "partitionsPageInRefOrderWithinAPrefixAndAStatus")),
            entry("StoreTx.deletePartition", List.of("partitionsKeepTheirLatestStateAndCountsByStatusFollowEveryChange")),
            entry("Store.jobsApplying", List.of("jobsApplyingAJobAreFoundOldestFirstAndTheSpecKeepsWhatItApplies")),
            entry("Store.newestSucceeded", List.of("theNewestSucceededJobOfATypeAndNameIsFound")),
            entry("Store.releases", List.of("releasesRoundTripNewestFirstAndAreUniqueByVersionAndByJobUnderAName")),
            entry("Store.release", List.of("releasesRoundTripNewestFirstAndAreUniqueByVersionAndByJobUnderAName")),
            entry("StoreTx.insertRelease", List.of("releasesRoundTripNewestFirstAndAreUniqueByVersionAndByJobUnderAName",
                    "inputsAndReleaseFilesKeepTheirContentWhenTheJobsArtifactsOrTheJobGo")),
            entry("Store.newestGraphVersion", List.of("graphVersionsAreStoredInOrderAndTheNewestAboveASeqIsFound")),
            entry("Store.graphVersionStored", List.of("graphVersionsAreStoredInOrderAndTheNewestAboveASeqIsFound")),
            entry("StoreTx.insertGraphVersion", List.of("graphVersionsAreStoredInOrderAndTheNewestAboveASeqIsFound")),
            entry("Store.cancelRequests", List.of("aCancelIsRequestedOnlyForAnUnfinishedJobOnceAndForgotten")),
            entry("StoreTx.requestCancel", List.of("aCancelIsRequestedOnlyForAnUnfinishedJobOnceAndForgotten")),
            entry("StoreTx.forgetCancelRequest", List.of("aCancelIsRequestedOnlyForAnUnfinishedJobOnceAndForgotten")));

    private final EventBus bus = new EventBus();
    private final List<Event> published = new CopyOnWriteArrayList<>();
    private Store store;

    /** Opens the store under test on this test's data, publishing on {@code bus}. */
    protected abstract Store createStore(EventBus bus);

    @BeforeEach
    public void openStore() {
        bus.subscribe(published::add);
        store = createStore(bus);
    }

    @AfterEach
    public void closeStoreAfterTest() {
        if (store != null) store.close();
    }

    @Override
    public Store store() {
        return store;
    }

    @Override
    public List<Event> published() {
        return published;
    }

    @Override
    public EventBus bus() {
        return bus;
    }

    @Override
    public void reopen() {
        store.close();
        store = createStore(bus);
    }

    @Override
    public void closeStore() {
        store.close();
        store = null;
    }

    @Test
    public void everyStoreMethodHasATest() {
        var methods = Stream.of(Store.class, StoreTx.class)
                .flatMap(type -> Arrays.stream(type.getDeclaredMethods())
                        .filter(m -> !m.isSynthetic() && !Modifier.isStatic(m.getModifiers()))
                        .map(m -> type.getSimpleName() + "." + m.getName()))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(COVERAGE.keySet()).as("methods of Store and StoreTx listed in COVERAGE")
                .containsExactlyInAnyOrderElementsOf(methods);
        var tests = Arrays.stream(getClass().getMethods()).filter(m -> m.isAnnotationPresent(Test.class))
                .map(Method::getName).collect(Collectors.toSet());
        COVERAGE.forEach((method, covering) -> assertThat(tests).as("tests of " + method).containsAll(covering));
    }
}
