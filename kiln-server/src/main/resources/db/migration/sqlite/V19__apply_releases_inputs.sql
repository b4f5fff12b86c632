-- Follow-ups of a job (seeds 002, 004). A job made by POST /jobs/{id}/apply names the job it applies; a plan's
-- apply jobs are found through this index (its "applied_by").
ALTER TABLE jobs ADD COLUMN applies TEXT;
CREATE INDEX jobs_by_applies ON jobs (applies) WHERE applies IS NOT NULL;

-- Files placed in a job's workspace before its command (uploads, a plan's artifacts). Their content lives in the
-- same content-addressed files as artifacts: a file may go only when no artifact, input or release row names it.
CREATE TABLE job_inputs (
    job_id      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    PRIMARY KEY (job_id, path)
);
CREATE INDEX job_inputs_by_sha ON job_inputs (sha256);

-- Releases: immutable, one per (name, version); a job is promoted under a name at most once.
CREATE TABLE releases (
    name             TEXT    NOT NULL,
    version          TEXT    NOT NULL,
    job_id           TEXT    NOT NULL,
    manifest_sha256  TEXT    NOT NULL,
    promoted_by      TEXT,
    promoted_at      INTEGER NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX releases_by_job ON releases (job_id, name);
CREATE INDEX releases_by_time ON releases (promoted_at);

CREATE TABLE release_files (
    name        TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    PRIMARY KEY (name, version, path)
);
CREATE INDEX release_files_by_sha ON release_files (sha256);
