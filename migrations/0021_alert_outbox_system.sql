-- Alerts about the installation itself (a replica falling behind) belong to no
-- election: the outbox's election_id may now be NULL. SQLite cannot drop NOT NULL
-- in place, so the table is rebuilt as it was, with that one change.
CREATE TABLE alert_outbox_new (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    channel     TEXT NOT NULL CHECK (channel IN ('telegram', 'email')),
    ref         TEXT NOT NULL,
    election_id INTEGER REFERENCES elections(id),
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    held        INTEGER NOT NULL DEFAULT 0,
    sent_at     TEXT,
    bundle_id   INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    next_try    TEXT NOT NULL,
    UNIQUE (user_id, channel, ref)
);
INSERT INTO alert_outbox_new SELECT id, user_id, channel, ref, election_id, body, link, created_at, held, sent_at,
    bundle_id, attempts, last_error, next_try FROM alert_outbox;
DROP TABLE alert_outbox;
ALTER TABLE alert_outbox_new RENAME TO alert_outbox;
CREATE INDEX alert_outbox_pending ON alert_outbox (next_try) WHERE sent_at IS NULL;
