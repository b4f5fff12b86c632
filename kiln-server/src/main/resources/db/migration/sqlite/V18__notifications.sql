-- Notifications. A subscription (server-wide, made by an admin) says which events go to which URL. Its secret signs
-- the deliveries (HMAC-SHA256), so it is kept sealed (AES-GCM, bound to the subscription id), never hashed.
CREATE TABLE notification_subscriptions (
    id          TEXT    NOT NULL PRIMARY KEY,
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,
    filters     TEXT,
    format      TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The outbox: one row per message to send, written in the transaction of the event that causes it, so a crash
-- cannot lose it. A sender thread posts it and records each attempt; status pending → delivered | failed (gave up).
-- subscription_id is NULL for a job's own "notify" targets.
CREATE TABLE notification_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    subscription_id TEXT,
    job_id          TEXT,
    url             TEXT    NOT NULL,
    event           TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    last_attempt_at INTEGER,
    status_code     INTEGER,
    duration_ms     INTEGER,
    error           TEXT
);
-- What the sender reads: the due pending ones, soonest first.
CREATE INDEX deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_subscription ON notification_deliveries (subscription_id, seq);
CREATE INDEX deliveries_by_job ON notification_deliveries (job_id, seq);
