-- Twin of sqlite/V19. Follow-ups of a job (seeds 002, 004). A job made by POST /jobs/{id}/apply names the job it applies; a plan's
-- apply jobs are found through this index (its "applied_by").
ALTER TABLE jobs ADD COLUMN applies text;
CREATE INDEX jobs_by_applies ON jobs (applies) WHERE applies IS NOT NULL;

-- Files placed in a job's workspace before its command (uploads, a plan's artifacts). Their content lives in the
-- same content-addressed files as artifacts: a file may go only when no artifact, input or release row names it.
CREATE TABLE job_inputs (
    job_id      text    COLLATE "C" NOT NULL,
    path        text    COLLATE "C" NOT NULL,
    sha256      text    COLLATE "C" NOT NULL,
    size        bigint  NOT NULL,
    PRIMARY KEY (job_id, path)
);
CREATE INDEX job_inputs_by_sha ON job_inputs (sha256);

-- Releases: immutable, one per (name, version); a job is promoted under a name at most once.
CREATE TABLE releases (
    name             text    COLLATE "C" NOT NULL,
    version          text    COLLATE "C" NOT NULL,
    job_id           text    COLLATE "C" NOT NULL,
    manifest_sha256  text    COLLATE "C" NOT NULL,
    promoted_by      text,
    promoted_at      bigint  NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX releases_by_job ON releases (job_id, name);
CREATE INDEX releases_by_time ON releases (promoted_at);

CREATE TABLE release_files (
    name        text    COLLATE "C" NOT NULL,
    version     text    COLLATE "C" NOT NULL,
    path        text    COLLATE "C" NOT NULL,
    size        bigint  NOT NULL,
    sha256      text    COLLATE "C" NOT NULL,
    PRIMARY KEY (name, version, path)
);
CREATE INDEX release_files_by_sha ON release_files (sha256);
