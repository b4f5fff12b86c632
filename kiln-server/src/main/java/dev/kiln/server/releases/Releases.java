package dev.kiln.server.releases;

import dev.kiln.server.core.FileRef;
import dev.kiln.server.core.IllegalTransitionException;
import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.core.Release;
import dev.kiln.server.core.ValidationException;
import dev.kiln.server.events.Event;
import dev.kiln.server.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Promoting a succeeded job to a release (seed 004): its artifacts (of the attempt that succeeded) with their SHA-256,
 * one checksum over the manifest, who and when. Versions count up per name unless one is given. Promoting the same
 * job under the same name again returns the release it already made; a release never changes.
 */
public final class Releases {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    public static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

    /** A promotion's answer: the release, and whether this call made it (false: it existed, idempotent). */
    public record Promotion(Release release, boolean created) {}

    private final Store store;

    public Releases(Store store) {
        this.store = store;
    }

    /** Synchronized: the "promoted already?" and "next version" reads must not interleave with another promotion. */
    public synchronized Promotion promote(String jobId, String name, String version, String by) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValidationException("name", "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. web-app");
        }
        if (version != null && !VERSION.matcher(version).matches()) {
            throw new ValidationException("version", "must be 1-64 letters, digits, '.', '_', '+' or '-', e.g. 1.4.0; leave it out to count up");
        }
        Job job = store.job(jobId).orElseThrow(() -> new NotFoundException("no job with id '" + jobId + "'"));
        if (job.status() != JobStatus.SUCCEEDED) {
            throw new IllegalTransitionException("job " + job.shortId() + " is " + job.status().wireName()
                    + "; only a succeeded job can be promoted");
        }
        var existing = store.releases(name, job.id(), 1);
        if (!existing.isEmpty()) {
            Release r = existing.getFirst();
            if (version != null && !version.equals(r.version())) {
                throw new IllegalTransitionException("job " + job.shortId() + " is release " + name + " " + r.version()
                        + " already; a job is promoted under a name once");
            }
            return new Promotion(r, false);
        }
        if (version != null && store.release(name, version).isPresent()) {
            throw new IllegalTransitionException("release " + name + " " + version + " exists (releases never change);"
                    + " give another version, or leave it out to count up");
        }
        List<FileRef> files = store.artifacts(job.id()).stream().filter(a -> a.attempt() == job.attempt())
                .map(a -> new FileRef(a.name(), a.sha256(), a.size())).toList();
        if (files.isEmpty()) {
            throw new IllegalTransitionException("job " + job.shortId() + " kept no artifacts; a release is its files"
                    + " (declare \"artifacts\": [\"dist/*\"] in the job)");
        }
        var release = new Release(name, version != null ? version : nextVersion(name), job.id(), files,
                sha256(Release.manifest(files)), by, Instant.now());
        store.write(tx -> {
            tx.insertRelease(release);
            tx.appendEvent(Event.draft(job.id(), "job.promoted", Event.data("release", release.name(),
                    "version", release.version(), "manifest_sha256", release.manifestSha256(), "by", by)));
            return null;
        }).join();
        return new Promotion(release, true);
    }

    /** One more than the highest whole-number version of this name (1 for the first); others do not count. */
    private String nextVersion(String name) {
        long highest = 0;
        for (Release r : store.releases(name, null, Integer.MAX_VALUE)) {
            if (r.version().matches("\\d{1,18}")) highest = Math.max(highest, Long.parseLong(r.version()));
        }
        return Long.toString(highest + 1);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
