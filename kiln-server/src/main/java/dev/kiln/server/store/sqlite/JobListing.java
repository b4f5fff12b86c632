package dev.kiln.server.store.sqlite;

import dev.kiln.server.core.Job;
import dev.kiln.server.core.JobStatus;
import dev.kiln.server.store.JobQuery;
import dev.kiln.server.store.Page;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * One page of {@link dev.kiln.server.store.Store#jobs}: newest first by seq, {@code beforeSeq} as the cursor. With a
 * label filter the page is read from job_labels' (key, value, job_seq) key backwards, so even a label on few old
 * jobs, or on none, costs a few index steps rather than a scan of every job.
 */
final class JobListing {
    private JobListing() {}

    static Page<Job> page(Handle h, JobQuery q, SqlDialect dialect) {
        if (q.label() != null && q.label().indexOf('=') < 0) return new Page<>(List.of(), null); // no job requires it
        return page(query(h, q, "", dialect.textLike()).map(Rows::job).list(), q.limit());
    }

    /** The plan SQLite picks for this request, one line per step: tests check the label filter stays indexed. */
    static List<String> plan(Handle h, JobQuery q) {
        return query(h, q, "EXPLAIN QUERY PLAN ", SqlDialect.SQLITE.textLike()).map((rs, ctx) -> rs.getString("detail")).list();
    }

    private static Query query(Handle h, JobQuery q, String prefix, String like) {
        String label = q.label();
        int eq = label == null ? -1 : label.indexOf('=');
        var sql = new StringBuilder(prefix);
        String seq;
        if (label != null) {
            sql.append("SELECT jobs.* FROM job_labels label JOIN jobs ON jobs.seq = label.job_seq")
                    .append(" WHERE label.key = :labelKey AND label.value = :labelValue");
            seq = "label.job_seq"; // ordering by the label key's own column keeps SQLite on that key, unsorted
        } else {
            sql.append("SELECT jobs.* FROM jobs WHERE 1=1");
            seq = "jobs.seq";
        }
        if (q.beforeSeq() > 0) sql.append(" AND ").append(seq).append(" < :before");
        if (!q.statuses().isEmpty()) sql.append(" AND jobs.status IN (<statuses>)");
        if (q.type() != null) sql.append(" AND jobs.type = :type");
        if (q.text() != null) {
            sql.append(" AND (jobs.name ").append(like).append(" :text ESCAPE '!' OR jobs.id ").append(like)
                    .append(" :prefix ESCAPE '!' OR jobs.spec ").append(like).append(" :text ESCAPE '!')");
        }
        sql.append(" ORDER BY ").append(seq).append(" DESC LIMIT :limit");

        Query query = h.createQuery(sql.toString()).bind("limit", q.limit() + 1);
        if (label != null) query.bind("labelKey", label.substring(0, eq)).bind("labelValue", label.substring(eq + 1));
        if (q.beforeSeq() > 0) query.bind("before", q.beforeSeq());
        if (!q.statuses().isEmpty()) query.bindList("statuses", q.statuses().stream().map(JobStatus::wireName).toList());
        if (q.type() != null) query.bind("type", q.type());
        if (q.text() != null) {
            query.bind("text", "%" + escapeLike(q.text()) + "%");
            query.bind("prefix", escapeLike(q.text()) + "%");
        }
        return query;
    }

    /** {@code limit + 1} rows were asked for: one more than the page says there is a next page. */
    private static Page<Job> page(List<Job> rows, int limit) {
        if (rows.size() <= limit) return new Page<>(rows, null);
        List<Job> items = List.copyOf(rows.subList(0, limit));
        return new Page<>(items, Long.toString(items.get(limit - 1).seq()));
    }

    private static String escapeLike(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }
}
