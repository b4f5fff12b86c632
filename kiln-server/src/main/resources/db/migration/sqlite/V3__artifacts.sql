-- Files jobs produced. The content lives on disk under <data dir>/artifacts, addressed by its SHA-256.
CREATE TABLE artifacts (
    job_id      TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (job_id, attempt, name)
) WITHOUT ROWID;
