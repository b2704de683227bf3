-- SMS gateways, the messages they deliver, and observers' presence at their stations
-- (intake.md). Secrets and senders' numbers are sealed with the personal-data key.

-- A keyed hash (HMAC-SHA256 under a key derived from the personal-data key) of the
-- observer's phone number in E.164: senders are matched without a number in clear.
ALTER TABLE observer_contacts ADD COLUMN phone_key TEXT NOT NULL DEFAULT '';
CREATE INDEX observer_contacts_phone ON observer_contacts(phone_key);
-- A sender's account (their language, and the owner of the records they text).
CREATE INDEX users_observer ON users(observer_id) WHERE observer_id IS NOT NULL;

CREATE TABLE sms_gateways (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('generic', 'android', 'twilio', 'telerivet')),
    -- sealed JSON {"secret", "send_url", "login", "password"}
    sealed     BLOB NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

-- Every message received, whatever became of it: nothing is dropped.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,             -- 'sms' or 'telegram'
    gateway_id   INTEGER NOT NULL DEFAULT 0, -- sms_gateways.id; 0 for Telegram
    external_id  TEXT NOT NULL,             -- the gateway's message id (or update_id)
    sender_key   TEXT NOT NULL,             -- keyed hash of the sender (number or Telegram user)
    sender       BLOB NOT NULL,             -- the sender, sealed
    text_key     TEXT NOT NULL,             -- SHA-256 of the text, spaces and case normalised
    text         TEXT NOT NULL,             -- the raw text as received
    text_sha256  TEXT NOT NULL,             -- SHA-256 of the raw text (also in the audit chain)
    received_at  TEXT NOT NULL,             -- the gateway's time, else arrival
    arrived_at   TEXT NOT NULL,
    observer_id  INTEGER REFERENCES observers(id),
    election_id  INTEGER REFERENCES elections(id),
    region_code  TEXT NOT NULL DEFAULT '',  -- the sender's region, for coordinators' scope
    status       TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'unparsed', 'unknown_sender')),
    reason       TEXT NOT NULL DEFAULT '',
    reply        TEXT NOT NULL DEFAULT '',
    records      TEXT NOT NULL DEFAULT '[]', -- JSON ids of what was made from it
    record_kind  TEXT NOT NULL DEFAULT '',  -- 'observation', 'incidents', 'check_in', 'check_out'
    handled_by   INTEGER REFERENCES users(id),
    handled_at   TEXT,
    UNIQUE (gateway_id, channel, external_id)
);
CREATE INDEX messages_repeat ON messages(sender_key, text_key, received_at);
CREATE INDEX messages_inbox ON messages(handled_at, status) WHERE status IN ('unparsed', 'unknown_sender');

-- Where each observer is on election day: checked in (#0, the button, or any
-- submission), checked out (#9 or the button), and when and how last heard from.
CREATE TABLE presence (
    observer_id    INTEGER NOT NULL REFERENCES observers(id),
    election_id    INTEGER NOT NULL REFERENCES elections(id),
    station_id     INTEGER REFERENCES stations(id),
    checked_in_at  TEXT,
    checked_out_at TEXT,
    counted_at     TEXT, -- their counting observation: the silence clock stops
    last_heard_at  TEXT NOT NULL,
    last_channel   TEXT NOT NULL,
    PRIMARY KEY (observer_id, election_id)
) WITHOUT ROWID;
CREATE INDEX presence_station ON presence(station_id);

-- Each check-in and check-out, in order (presence holds the latest state).
CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    observer_id INTEGER NOT NULL REFERENCES observers(id),
    election_id INTEGER NOT NULL REFERENCES elections(id),
    station_id  INTEGER NOT NULL REFERENCES stations(id),
    kind        TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    at          TEXT NOT NULL,
    channel     TEXT NOT NULL
);
CREATE INDEX checkins_observer ON checkins(observer_id, election_id);
