-- Twin of sqlite/V10. A queued retry waits out its backoff: not dispatched before this time (nanoseconds since the
-- epoch), so a restart keeps the wait. NULL for every other job.
ALTER TABLE jobs ADD COLUMN not_before bigint;

-- Wait estimates learn from the recent runs of jobs like the one waiting: same type and name.
CREATE INDEX jobs_by_type_name ON jobs (type, name, seq);
