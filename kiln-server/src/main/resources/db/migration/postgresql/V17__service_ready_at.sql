-- Twin of sqlite/V11. A service with ready_when is "starting" until its agent finds it ready: the time it did
-- (nanoseconds since the epoch), per attempt (cleared when the service is assigned again). NULL for every other job.
ALTER TABLE jobs ADD COLUMN ready_at bigint;
