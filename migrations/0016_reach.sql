-- Telegram bot and alerts to coordinators (intake.md: Telegram, Alerts).

-- An account tied to a Telegram user (linked once through a one-time deep link).
CREATE TABLE telegram_links (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    tg_user_id INTEGER NOT NULL UNIQUE,
    chat_id    INTEGER NOT NULL,
    linked_at  TEXT NOT NULL
);

-- One-time link tokens: only their SHA-256 is kept; single use, 24 h.
CREATE TABLE telegram_link_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- Every update_id handled, so a re-delivered update counts once.
CREATE TABLE telegram_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL
);

-- The guided /report flow of each Telegram user, kept here so that a restart of the
-- server loses no conversation half-way.
CREATE TABLE telegram_flows (
    tg_user_id  INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    election_id INTEGER NOT NULL REFERENCES elections(id),
    step        TEXT NOT NULL,
    station_id  INTEGER,
    category    TEXT NOT NULL DEFAULT '',
    witnessed   INTEGER NOT NULL DEFAULT 1,
    description TEXT NOT NULL DEFAULT '',
    incident_id INTEGER REFERENCES incidents(id),
    updated_at  TEXT NOT NULL
);

-- A coordinator's alert subscription. window_* count the alerts sent one by one in
-- the current 60 s window (past five, the rest go out as one bundle at its end).
CREATE TABLE alert_subscriptions (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id),
    categories   TEXT NOT NULL,
    by_telegram  INTEGER NOT NULL DEFAULT 0,
    by_email     INTEGER NOT NULL DEFAULT 0,
    silent       INTEGER NOT NULL DEFAULT 1, -- also alert about silent observers
    email        TEXT NOT NULL DEFAULT '',
    window_start TEXT,
    window_sent  INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL
);

-- The durable outbox: one row per alert and subscriber and channel (ref names what
-- it is about: 'incident:<id>' or 'silent:<observer>:<since>'), so each goes once.
CREATE TABLE alert_outbox (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    channel     TEXT NOT NULL CHECK (channel IN ('telegram', 'email')),
    ref         TEXT NOT NULL,
    election_id INTEGER NOT NULL REFERENCES elections(id),
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
CREATE INDEX alert_outbox_pending ON alert_outbox (next_try) WHERE sent_at IS NULL;
