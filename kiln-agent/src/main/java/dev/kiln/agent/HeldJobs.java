package dev.kiln.agent;

import dev.kiln.protocol.AgentMessage;
import dev.kiln.protocol.ServerMessage;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The attempts this agent holds, by job id: running ones, and finished ones the server has not yet acked every log
 * chunk and the finish of. An attempt is let go only when all of it is acked, so a reconnect can resend the rest.
 * Waiters ({@link #awaitUntil}) are woken whenever a job ends or is let go, or {@link #changed} is called.
 */
final class HeldJobs {
    private final Map<String, JobRunner> byJobId = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition change = lock.newCondition();

    /** Holds a new attempt; it replaces an older attempt of the same job. */
    void add(JobRunner runner) {
        byJobId.put(runner.jobId(), runner);
        changed();
    }

    /** The runner of exactly this attempt, or null. */
    JobRunner get(String jobId, int attempt) {
        JobRunner r = byJobId.get(jobId);
        return r != null && r.attempt() == attempt ? r : null;
    }

    boolean holdsJob(String jobId) {
        return byJobId.containsKey(jobId);
    }

    /** Jobs whose process has not finished yet. */
    int running() {
        return (int) byJobId.values().stream().filter(r -> r.finished() == null).count();
    }

    boolean isEmpty() {
        return byJobId.isEmpty();
    }

    void cancelRunning(int graceSeconds) {
        for (JobRunner r : byJobId.values()) if (r.finished() == null) r.cancel(graceSeconds);
    }

    /** Records the ack; lets the attempt go once its finish and every chunk are acked. */
    void ack(ServerMessage.Ack ack) {
        JobRunner r = get(ack.jobId(), ack.attempt());
        if (r == null) return;
        r.shipper().ack(ack.seq());
        var finished = r.finished();
        if (finished != null && ack.seq() >= finished.lastSeq() && r.shipper().allAcked() && byJobId.remove(ack.jobId(), r)) {
            r.shipper().close();
            changed();
        }
    }

    /** What the hello says the agent still runs, with the last chunk the server acked of each. */
    List<AgentMessage.RunningJob> forHello() {
        return byJobId.values().stream()
                .map(r -> new AgentMessage.RunningJob(r.jobId(), r.attempt(), r.shipper().lastAcked())).toList();
    }

    /** Every message the server may have missed: each attempt's unacked chunks, then its finish if it has one. */
    Stream<AgentMessage> unacked() {
        return List.copyOf(byJobId.values()).stream().flatMap(r -> {
            var finished = r.finished();
            Stream<AgentMessage> chunks = r.shipper().unacked().stream().map(AgentMessage.class::cast);
            return finished == null ? chunks : Stream.concat(chunks, Stream.of(finished));
        });
    }

    /** The workspace names of the attempts held: these are never pruned. */
    Set<String> workspaceNames() {
        var names = new HashSet<String>();
        for (JobRunner r : byJobId.values()) names.add(r.workspaceName());
        return names;
    }

    /** Wakes the waiters to look again: a job ended or was let go, or something else they wait on changed. */
    void changed() {
        lock.lock();
        try {
            change.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until {@code done} holds or {@code within} has passed; returns whether it holds. */
    boolean awaitUntil(BooleanSupplier done, Duration within) {
        long left = within.toNanos();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                if (left <= 0) return false;
                left = change.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done.getAsBoolean();
        } finally {
            lock.unlock();
        }
    }
}
