package dev.kiln.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.protocol.LogLine;
import dev.kiln.protocol.LogStream;
import dev.kiln.server.core.Attempt;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.logs.NumberedLine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Attempts of a job and their logs, stored as chunks of lines and read back by line number. */
public interface AttemptsAndLogsContract extends StoreFixture {

    @Test
    default void attemptsRoundTripAndListInNumberOrder() {
        Job job = insert("attempts");
        Attempt first = Attempt.assigned(job.id(), 1, "agent-1", at(0));
        Attempt second = Attempt.assigned(job.id(), 2, "agent-2", at(5));
        run(tx -> {
            tx.insertAttempt(second);
            tx.insertAttempt(first);
        });
        assertThat(store().attempts(job.id())).containsExactly(first, second);
        assertThat(store().attempt(job.id(), 2)).contains(second);
        assertThat(store().attempt(job.id(), 3)).isEmpty();
        assertThat(store().attempt("no-such-job", 1)).isEmpty();
        assertThat(store().attempts("no-such-job")).isEmpty();
    }

    @Test
    default void updateAttemptStoresEveryFieldThatChanges() {
        Job job = insert("attempt-update");
        Attempt assigned = Attempt.assigned(job.id(), 1, "agent-1", at(0));
        run(tx -> tx.insertAttempt(assigned));
        Attempt started = assigned.started(4242L, at(1)).withLog(3, 120);
        run(tx -> tx.updateAttempt(started));
        assertThat(store().attempt(job.id(), 1)).contains(started);
        Attempt finished = started.finished(JobStatus.FAILED, 137, 9, "killed", at(2));
        run(tx -> tx.updateAttempt(finished));
        assertThat(store().attempt(job.id(), 1)).contains(finished);
    }

    @Test
    default void updatingAnAttemptThatDoesNotExistFailsTheWrite() {
        Job job = insert("no-attempt");
        Attempt ghost = Attempt.assigned(job.id(), 7, "agent-1", at(0));
        assertThatThrownBy(() -> run(tx -> tx.updateAttempt(ghost))).isInstanceOf(CompletionException.class);
        assertThat(store().attempts(job.id())).isEmpty();
    }

    /** Writes 50 chunks of uneven sizes (1 to 187 lines) and returns the number of the last line. */
    private long writeChunks(String jobId, int attempt) {
        long next = 1;
        for (int chunk = 0; chunk < 50; chunk++) {
            var lines = new ArrayList<LogLine>();
            int size = 1 + chunk % 7 * 31;
            for (int i = 0; i < size; i++) {
                long n = next + i;
                lines.add(new LogLine(1_000_000L * n, n % 2 == 0 ? LogStream.STDERR : LogStream.STDOUT,
                        "attempt " + attempt + " line " + n + " ✓"));
            }
            long first = next;
            run(tx -> tx.appendLogChunk(jobId, attempt, first, lines));
            next += size;
        }
        return next - 1;
    }

    @Test
    default void logLinesAreReadByRangeAcrossChunkBoundaries() {
        Job job = insert("logs");
        run(tx -> tx.insertAttempt(Attempt.assigned(job.id(), 1, "a", at(0))));
        long total = writeChunks(job.id(), 1);

        var page = store().logLines(job.id(), 1, 100, 250);
        assertThat(page).hasSize(250);
        assertThat(page.get(0).number()).isEqualTo(101);
        assertThat(page.get(0).line()).isEqualTo(new LogLine(101_000_000L, LogStream.STDOUT, "attempt 1 line 101 ✓"));
        assertThat(page.get(249).number()).isEqualTo(350);
        assertThat(page).extracting(NumberedLine::number).isSorted().doesNotHaveDuplicates();
        // a page starting at each line of a chunk boundary region comes back contiguous
        for (long after = 0; after < 200; after += 17) {
            assertThat(store().logLines(job.id(), 1, after, 40)).extracting(NumberedLine::number)
                    .containsExactlyElementsOf(range(after + 1, Math.min(after + 40, total)));
        }
        assertThat(store().logLines(job.id(), 1, total - 3, 100)).extracting(NumberedLine::number)
                .containsExactly(total - 2, total - 1, total);
        assertThat(store().logLines(job.id(), 1, total, 100)).isEmpty();
        assertThat(store().logLines(job.id(), 2, 0, 100)).isEmpty();
    }

    @Test
    default void forEachLogLineStreamsTheWholeLogInOrder() {
        Job job = insert("stream");
        long total = writeChunks(job.id(), 1);
        writeChunks(job.id(), 2);
        var all = new ArrayList<NumberedLine>();
        store().forEachLogLine(job.id(), 1, all::add);
        assertThat(all).extracting(NumberedLine::number).containsExactlyElementsOf(range(1, total));
        assertThat(all).allMatch(l -> l.line().text().startsWith("attempt 1 line " + l.number() + " "));
        assertThat(all.get(1).line().stream()).isEqualTo(LogStream.STDERR);

        var none = new ArrayList<NumberedLine>();
        store().forEachLogLine(job.id(), 3, none::add);
        assertThat(none).isEmpty();
    }

    private static List<Long> range(long from, long to) {
        var out = new ArrayList<Long>();
        for (long n = from; n <= to; n++) out.add(n);
        return out;
    }
}
