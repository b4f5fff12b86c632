-- Several servers on one database tell each other two things through it (docs/architecture.md, "Several servers on
-- one PostgreSQL"). A SQLite server, alone on its file, leaves both tables empty.

-- Each build graph version a server accepted (its --graph file, or a PUT), newest last: every server polls for a
-- newer seq and puts that version in force. The version is the SHA-256 of the canonical content.
CREATE TABLE graph_versions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    version    TEXT    NOT NULL,
    yaml       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    server     TEXT    NOT NULL,
    stored_at  INTEGER NOT NULL
);
-- Whether a file's content was ever accepted (a server starting with it then takes the newest version instead).
CREATE INDEX graph_versions_by_version ON graph_versions (version);

-- A cancel asked of a server that does not run the job: the server whose agent runs it cancels it through its own
-- path and deletes the row.
CREATE TABLE cancel_requests (
    job_id        TEXT    NOT NULL PRIMARY KEY,
    requested_by  TEXT,
    requested_at  INTEGER NOT NULL
);
