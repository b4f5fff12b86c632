-- Build requests and partitions (seed 000). Times are INTEGER nanoseconds since the epoch (UTC).
-- Sized for 1,000,000 partitions and 100,000 builds: every read the API makes is a range of one index below.

-- A build request. counts: its requested partitions by status, as JSON, kept by the engine (no count at read time).
-- driven = 1 while the engine still follows it (active, or cancelled with jobs other builds wait on).
CREATE TABLE builds (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    status          TEXT    NOT NULL,
    forced          INTEGER NOT NULL,
    graph_version   TEXT,
    requested       TEXT    NOT NULL,  -- JSON list of the requested refs, for re-planning after a restart
    requested_count INTEGER NOT NULL,
    counts          TEXT    NOT NULL,
    jobs_total      INTEGER NOT NULL,
    jobs_done       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER,
    reason          TEXT,
    created_by      TEXT,
    driven          INTEGER NOT NULL
);
CREATE INDEX builds_by_status ON builds (status, seq);
CREATE INDEX builds_driven ON builds (driven, seq);

-- The partitions a build requested, each with its status within the build.
CREATE TABLE build_partitions (
    build_id        TEXT    NOT NULL,
    build_seq       INTEGER NOT NULL,
    ref             TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    definition      TEXT    NOT NULL,
    job_key         TEXT,
    job_id          TEXT,
    delegated_to    TEXT,
    delegation_kind TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (build_id, ref)
);
CREATE INDEX build_partitions_by_status ON build_partitions (build_id, status, ref);
CREATE INDEX build_partitions_by_ref ON build_partitions (ref, build_seq);
CREATE INDEX build_partitions_by_delegate ON build_partitions (delegated_to, build_seq) WHERE delegated_to IS NOT NULL;

-- The jobs of a build's plan, in dependency order (position). job_id is set once it became a Kiln job.
CREATE TABLE build_jobs (
    build_id        TEXT    NOT NULL,
    position        INTEGER NOT NULL,
    job_key         TEXT    NOT NULL,
    definition      TEXT    NOT NULL,
    job_id          TEXT,
    status          TEXT    NOT NULL,
    partitions      TEXT    NOT NULL,  -- JSON list
    depends_on      TEXT    NOT NULL,  -- JSON list of job keys
    waits_for       TEXT    NOT NULL,  -- JSON list of build ids (active delegation)
    config_step     INTEGER NOT NULL,
    spec            TEXT,              -- the job to submit, as JSON (null for a config step's entry)
    reason          TEXT,
    submitted_at    INTEGER,              -- when it became a Kiln job
    PRIMARY KEY (build_id, position)
);
CREATE INDEX build_jobs_by_job ON build_jobs (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX build_jobs_by_definition ON build_jobs (definition, submitted_at) WHERE submitted_at IS NOT NULL;

-- Every partition's latest state across builds. available_at: when it last became available (kept while a new
-- build of it runs, so a cancelled rebuild falls back to it).
CREATE TABLE partitions (
    ref             TEXT    NOT NULL PRIMARY KEY,
    status          TEXT    NOT NULL,
    definition      TEXT    NOT NULL,
    build_id        TEXT,
    job_id          TEXT,
    updated_at      INTEGER NOT NULL,
    available_at    INTEGER
);
CREATE INDEX partitions_by_status ON partitions (status, ref);

-- How many partitions are in each status, kept with every change: the unfiltered counts read four rows.
CREATE TABLE partition_counts (
    status          TEXT    NOT NULL PRIMARY KEY,
    n               INTEGER NOT NULL
);
INSERT INTO partition_counts (status, n) VALUES ('scheduled', 0), ('building', 0), ('available', 0), ('failed', 0);

-- Build events live in the one events table (so the stream carries them); their build and ref get columns so a
-- build's or a partition's events are a range of an index.
ALTER TABLE events ADD COLUMN build_id TEXT;
ALTER TABLE events ADD COLUMN ref TEXT;
CREATE INDEX events_by_build ON events (build_id, id) WHERE build_id IS NOT NULL;
CREATE INDEX events_by_ref ON events (ref, id) WHERE ref IS NOT NULL;
