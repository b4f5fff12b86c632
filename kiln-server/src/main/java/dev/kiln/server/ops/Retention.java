package dev.kiln.server.ops;

import dev.kiln.server.events.Event;
import dev.kiln.server.ops.RetentionRules.Decision;
import dev.kiln.server.store.FinishedJob;
import dev.kiln.server.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention pass: walks finished jobs oldest first, asks {@link RetentionRules} what may go, deletes it through
 * the store's writer in small transactions (job writes commit between them), deletes artifact files no row points
 * to any more, gives the space back ({@link Store#reclaimSpace}) and records a {@code retention.pruned} event with
 * the counts. A dry run decides the same way and deletes nothing.
 */
public final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    /** Jobs read per query. */
    private static final int READ_BATCH = 200;
    /** Jobs deleted per transaction: a few milliseconds of the writer, so job writes never wait long. */
    private static final int WRITE_BATCH = 20;
    private static final int SAMPLE_IDS = 100;

    private final Store store;
    private final RetentionPolicy policy;
    private final Pins pins;
    private final Path artifactsRoot;
    private final Function<String, Path> contentPath;
    private final java.util.function.Consumer<String> onJobDeleted;
    /** One pass at a time; a backup holds it too, so no artifact file goes while it is being copied. */
    private final ReentrantLock exclusive = new ReentrantLock();

    /**
     * {@code contentPath}: where the artifact file of a SHA-256 lives (the layout is {@code ArtifactFiles}');
     * {@code onJobDeleted}: told each job deleted whole, after the commit (caches of finished jobs forget it);
     * {@code metrics}: counts what each pass deleted and the bytes it gave back.
     */
    private final dev.kiln.server.core.KilnMetrics metrics;

    public Retention(Store store, RetentionPolicy policy, Pins pins, Path artifactsRoot, Function<String, Path> contentPath,
                     java.util.function.Consumer<String> onJobDeleted, dev.kiln.server.core.KilnMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.policy = policy;
        this.pins = pins;
        this.artifactsRoot = artifactsRoot;
        this.contentPath = contentPath;
        this.onJobDeleted = onJobDeleted;
    }

    public RetentionPolicy policy() {
        return policy;
    }

    public PruneReport run(boolean dryRun) {
        exclusive.lock();
        try {
            return pass(dryRun, Instant.now());
        } finally {
            exclusive.unlock();
        }
    }

    /** For the timer: a failing pass is logged, and the next one tries again. */
    public void runQuietly() {
        try {
            var report = run(false);
            if (report.deletedAnything()) {
                log.info("retention deleted {} job(s), the log of {}, {} artifact(s), {} file(s); data {} -> {} bytes",
                        report.jobs(), report.logs(), report.artifacts(), report.files(), report.bytesBefore(), report.bytesAfter());
            }
        } catch (RuntimeException e) {
            log.warn("retention pass failed; the next one tries again", e);
        }
    }

    /** Runs {@code work} while no retention pass deletes anything. */
    public <T> T whilePaused(java.util.function.Supplier<T> work) {
        exclusive.lock();
        try {
            return work.get();
        } finally {
            exclusive.unlock();
        }
    }

    private PruneReport pass(boolean dryRun, Instant now) {
        var tally = new Tally(dryRun);
        long before = dataBytes();
        if (policy.shortestAge() != null) byAge(now, tally);
        if (policy.maxDataBytes() > 0) bySize(now, before, tally);
        long after;
        if (dryRun) {
            after = Math.max(0, before - tally.estimatedBytes);
        } else {
            if (tally.any()) store.reclaimSpace();
            after = dataBytes();
        }
        var report = new PruneReport(dryRun, tally.jobs, tally.logs, tally.artifacts, tally.files, before, after,
                List.copyOf(tally.sample));
        if (!dryRun && report.deletedAnything()) {
            metrics.pruned(report.jobs(), report.logs(), report.artifacts(), report.files(), Math.max(0, before - after));
            store.write(tx -> tx.appendEvent(Event.draft(null, "retention.pruned", Event.data(
                    "jobs", report.jobs(), "logs", report.logs(), "artifacts", report.artifacts(),
                    "files", report.files(), "bytes_before", before, "bytes_after", after)))).join();
        }
        return report;
    }

    private void byAge(Instant now, Tally tally) {
        Instant cutoff = now.minus(policy.shortestAge());
        Instant afterAt = null;
        long afterSeq = 0;
        List<FinishedJob> batch;
        while (!(batch = store.finishedJobs(cutoff, afterAt, afterSeq, READ_BATCH)).isEmpty()) {
            var chosen = new ArrayList<Chosen>();
            for (var job : batch) {
                var decision = RetentionRules.byAge(job, now, policy, pins);
                if (decision.deletesAnything()) chosen.add(new Chosen(job, decision));
            }
            apply(chosen, now, tally);
            afterAt = batch.getLast().finishedAt();
            afterSeq = batch.getLast().seq();
        }
    }

    private void bySize(Instant now, long before, Tally tally) {
        long size = tally.dryRun ? before - tally.estimatedBytes : dataBytes();
        Instant afterAt = null;
        long afterSeq = 0;
        while (size > policy.maxDataBytes()) {
            List<FinishedJob> batch = store.finishedJobs(now, afterAt, afterSeq, READ_BATCH);
            if (batch.isEmpty()) break;
            var chosen = new ArrayList<Chosen>();
            long estimate = size;
            for (var job : batch) {
                if (estimate <= policy.maxDataBytes()) break;
                afterAt = job.finishedAt();
                afterSeq = job.seq();
                if (tally.deleted.contains(job.id())) continue; // a dry run's age phase took it already
                var decision = RetentionRules.bySize(job, estimate, policy, pins);
                if (!decision.job()) continue;
                chosen.add(new Chosen(job, decision));
                estimate -= job.logBytes() + job.artifactBytes();
            }
            apply(chosen, now, tally);
            // the estimate leaves out rows and shared files: measure again rather than trust it
            size = tally.dryRun ? estimate : dataBytes();
        }
    }

    private record Chosen(FinishedJob job, Decision decision) {}

    private void apply(List<Chosen> chosen, Instant now, Tally tally) {
        for (int from = 0; from < chosen.size(); from += WRITE_BATCH) {
            // the server is stopping (the timer's thread is interrupted): stop between two transactions
            if (Thread.currentThread().isInterrupted()) throw new IllegalStateException("retention pass interrupted");
            var part = chosen.subList(from, Math.min(chosen.size(), from + WRITE_BATCH));
            part.forEach(tally::count);
            if (tally.dryRun) continue;
            List<String> unreferenced = store.write(tx -> {
                var contents = new ArrayList<String>();
                for (var c : part) {
                    if (c.decision().job()) {
                        contents.addAll(tx.deleteJob(c.job().id()));
                        continue;
                    }
                    if (c.decision().logs()) tx.deleteLogs(c.job().id(), now);
                    if (c.decision().artifacts()) contents.addAll(tx.deleteArtifacts(c.job().id()));
                }
                return contents;
            }).join();
            part.stream().filter(c -> c.decision().job()).forEach(c -> onJobDeleted.accept(c.job().id()));
            for (String sha : unreferenced) {
                // checked again: the same content may have been uploaded again since the delete committed
                if (!store.artifactContentInUse(sha) && deleteFile(contentPath.apply(sha))) tally.files++;
            }
        }
    }

    private static boolean deleteFile(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not delete artifact file {}: {}", file, e.getMessage());
            return false;
        }
    }

    /** The data's size: the store's, plus the artifact files. */
    public long dataBytes() {
        return store.dataBytes() + filesBytes(artifactsRoot);
    }

    static long filesBytes(Path root) {
        if (!Files.isDirectory(root)) return 0;
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // deleted while walking
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts of one pass. */
    private static final class Tally {
        final boolean dryRun;
        int jobs, logs, artifacts, files;
        long estimatedBytes;
        final Set<String> deleted = new HashSet<>();
        final List<String> sample = new ArrayList<>();

        Tally(boolean dryRun) {
            this.dryRun = dryRun;
        }

        void count(Chosen c) {
            var job = c.job();
            if (c.decision().job()) {
                jobs++;
                artifacts += job.artifacts();
                estimatedBytes += job.logBytes() + job.artifactBytes();
                deleted.add(job.id());
                if (sample.size() < SAMPLE_IDS) sample.add(job.id());
                return;
            }
            if (c.decision().logs()) {
                logs++;
                estimatedBytes += job.logBytes();
            }
            if (c.decision().artifacts()) {
                artifacts += job.artifacts();
                estimatedBytes += job.artifactBytes();
            }
        }

        boolean any() {
            return jobs + logs + artifacts > 0;
        }
    }
}
