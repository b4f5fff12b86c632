package dev.kiln.server.http;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobIds;
import dev.kiln.server.core.NotFoundException;
import dev.kiln.server.store.Store;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one place a job reference in a URL ({@code {id}}) becomes a job id: the whole id, or any unique prefix of at
 * least {@value #MIN_PREFIX} characters, case-insensitive, hyphens where the id has them — the 8-character short id
 * that {@code kiln jobs} and the dashboard show is one. Too short → 400, no such job → 404, several → 409 naming
 * them. Answers always carry the whole id.
 */
final class JobRefs {
    static final int MIN_PREFIX = 6;
    /** At most this many candidates are named in a 409. */
    static final int MAX_CANDIDATES = 10;
    private static final Pattern REF = Pattern.compile("[0-9a-f-]{1,36}");
    /** How real ids look: random (version 4) UUIDs, see {@link JobIds}. */
    static final String HINT = "job ids are random UUIDs such as 5f0c3a9e-2b71-4d8e-a6c4-93e1f07b2d58; give the whole id"
            + " or a unique prefix of at least " + MIN_PREFIX + " characters, such as the 8-character short id `kiln jobs` shows";

    private JobRefs() {}

    /** Several jobs start with the prefix given: rendered as 409 with the (first few) candidates. */
    static final class Ambiguous extends RuntimeException {
        private final List<String> candidates;

        Ambiguous(String prefix, List<String> found) {
            super(message(prefix, found));
            this.candidates = List.copyOf(found.subList(0, Math.min(found.size(), MAX_CANDIDATES)));
        }

        List<String> candidates() {
            return candidates;
        }

        private static String message(String prefix, List<String> found) {
            String count = found.size() > MAX_CANDIDATES ? "more than " + MAX_CANDIDATES + " jobs" : found.size() + " jobs";
            return "job id '" + prefix + "' is ambiguous: " + count + " start with it ("
                    + String.join(", ", found.subList(0, Math.min(found.size(), MAX_CANDIDATES)))
                    + (found.size() > MAX_CANDIDATES ? ", …" : "") + "); give more characters of the id";
        }
    }

    /** The job the {@code {id}} path parameter names, or 404. */
    static Job job(Store store, Context ctx) {
        String id = id(store, ctx);
        return store.job(id).orElseThrow(() -> notFound(ctx.pathParam("id")));
    }

    /** The id the {@code {id}} path parameter names (a whole id is taken as it is: reading the job says 404). */
    static String id(Store store, Context ctx) {
        return resolve(store, ctx.pathParam("id"));
    }

    static String resolve(Store store, String ref) {
        String r = ref.toLowerCase(Locale.ROOT);
        if (JobIds.isWellFormed(r)) return r;
        if (!REF.matcher(r).matches()) throw notFound(ref);
        if (r.length() < MIN_PREFIX) {
            throw ApiException.badRequest("job id '" + r + "' is too short: give at least " + MIN_PREFIX
                    + " characters of the id (the short id `kiln jobs` shows has 8)");
        }
        List<String> found = store.jobIdsStartingWith(r, MAX_CANDIDATES + 1);
        if (found.isEmpty()) throw notFound(ref);
        if (found.size() > 1) throw new Ambiguous(r, found);
        return found.get(0);
    }

    static NotFoundException notFound(String ref) {
        return new NotFoundException("no job with id '" + Requests.abbreviate(ref) + "' (" + HINT + ")");
    }
}
