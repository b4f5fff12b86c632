-- Times are INTEGER nanoseconds since the epoch (UTC).
CREATE TABLE jobs (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    priority     INTEGER NOT NULL,
    spec         TEXT    NOT NULL,  -- the submitted spec as JSON, secrets masked
    secrets      TEXT,              -- JSON object, never returned by the API
    labels       TEXT    NOT NULL,  -- requirements as ' k=v k=v ' for filtering
    attempt      INTEGER NOT NULL,
    agent_id     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    queued_at    INTEGER,
    started_at   INTEGER,
    finished_at  INTEGER,
    exit_code    INTEGER,
    error        TEXT,
    rerun_of     TEXT,
    outputs      TEXT
);
CREATE INDEX jobs_by_status ON jobs (status, seq);
CREATE INDEX jobs_by_type ON jobs (type, seq);

CREATE TABLE attempts (
    job_id       TEXT    NOT NULL,
    number       INTEGER NOT NULL,
    agent_id     TEXT,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    exit_code    INTEGER,
    signal       INTEGER,
    error        TEXT,
    pid          INTEGER,
    log_seq      INTEGER NOT NULL DEFAULT 0,
    line_count   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, number)
) WITHOUT ROWID;

CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id       TEXT,
    kind         TEXT    NOT NULL,
    timestamp_ns INTEGER NOT NULL,
    data         TEXT
);
CREATE INDEX events_by_job ON events (job_id, id);

-- Logs as chunks of lines: a page read touches a few rows whatever the log's size.
CREATE TABLE log_chunks (
    job_id       TEXT    NOT NULL,
    attempt      INTEGER NOT NULL,
    first_line   INTEGER NOT NULL,
    line_count   INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (job_id, attempt, first_line)
) WITHOUT ROWID;

CREATE TABLE agents (
    id           TEXT PRIMARY KEY,
    name         TEXT    NOT NULL,
    labels       TEXT    NOT NULL,
    capacity     INTEGER NOT NULL,
    version      TEXT,
    state        TEXT    NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL
);
