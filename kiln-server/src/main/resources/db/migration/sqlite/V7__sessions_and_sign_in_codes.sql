-- Dashboard sessions. The cookie holds a random secret; only its SHA-256 is kept. A session acts as one token:
-- revoking that token ends it. `id` is public (listing, revoking); `hash` is what the cookie proves.
CREATE TABLE sessions (
    id            TEXT    PRIMARY KEY,
    hash          TEXT    NOT NULL UNIQUE,
    token_id      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER
);
CREATE INDEX sessions_by_token ON sessions (token_id);

-- One-time sign-in codes (the URL printed at first start and by `kiln login-url`): hashed, single use, short-lived.
CREATE TABLE sign_in_codes (
    hash        TEXT    PRIMARY KEY,
    token_id    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
