-- Retention. A job whose log was pruned keeps its row and says when its log went (the API answers 410 for it).
ALTER TABLE jobs ADD COLUMN logs_pruned_at INTEGER;
-- Finished jobs, oldest first: what retention walks.
CREATE INDEX jobs_by_finished ON jobs (finished_at, seq) WHERE finished_at IS NOT NULL;
-- An artifact file is content-addressed: it may go only when no artifact row points to it any more.
CREATE INDEX artifacts_by_sha ON artifacts (sha256);
