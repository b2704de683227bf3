-- Observer schema, version 1.
-- Times are stored as UTC text (RFC 3339) so that they sort and compare as text.

CREATE TABLE elections (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    date       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    UNIQUE (election_id, code)
);

CREATE TABLE districts (
    id        INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES regions(id),
    code      TEXT NOT NULL,
    name      TEXT NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE stations (
    id                INTEGER PRIMARY KEY,
    election_id       INTEGER NOT NULL REFERENCES elections(id),
    code              TEXT NOT NULL,
    name              TEXT NOT NULL DEFAULT '',
    region_id         INTEGER NOT NULL REFERENCES regions(id),
    district_id       INTEGER REFERENCES districts(id),
    address           TEXT NOT NULL DEFAULT '',
    registered_voters INTEGER,
    timezone          TEXT NOT NULL DEFAULT '',
    lat               REAL,
    lon               REAL,
    -- lower-cased code and name, for the station picker's prefix and substring search
    search            TEXT NOT NULL DEFAULT '',
    UNIQUE (election_id, code)
);
CREATE INDEX stations_region ON stations(region_id);
CREATE INDEX stations_district ON stations(district_id);

-- Pseudonymous observers. Their personal data is in observer_contacts, sealed.
CREATE TABLE observers (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

-- Personal data, apart from the code: an AES-GCM sealed JSON {name, phone, email},
-- the key kept outside the database file.
CREATE TABLE observer_contacts (
    observer_id INTEGER PRIMARY KEY REFERENCES observers(id),
    sealed      BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE assignments (
    observer_id INTEGER NOT NULL REFERENCES observers(id),
    station_id  INTEGER NOT NULL REFERENCES stations(id),
    PRIMARY KEY (observer_id, station_id)
) WITHOUT ROWID;
CREATE INDEX assignments_station ON assignments(station_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('observer', 'coordinator', 'admin')),
    region_code   TEXT NOT NULL DEFAULT '',
    observer_id   INTEGER REFERENCES observers(id),
    password_hash TEXT NOT NULL DEFAULT '',
    totp_secret   TEXT NOT NULL DEFAULT '',
    lang          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

-- Server-side sessions. id is the SHA-256 of the cookie value; the cookie itself is never stored.
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    revoked_at TEXT,
    mfa_ok     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);

-- API tokens, stored as SHA-256 of the token.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- One-time links: the first admin's setup link and coordinators' invitations.
CREATE TABLE invites (
    token_hash  TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    region_code TEXT NOT NULL DEFAULT '',
    observer_id INTEGER REFERENCES observers(id),
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    used_by     INTEGER REFERENCES users(id)
);

-- Categories an administrator added (the standard taxonomy lives in code).
CREATE TABLE custom_categories (
    code       TEXT PRIMARY KEY,
    phase      TEXT NOT NULL,
    names      TEXT NOT NULL, -- JSON {"en": …, "ru": …, "kk": …}
    created_at TEXT NOT NULL,
    retired_at TEXT
);
-- Standard categories an administrator retired (never deleted).
CREATE TABLE retired_categories (
    code       TEXT PRIMARY KEY,
    retired_at TEXT NOT NULL
);

-- Questions an administrator added to a phase for one election.
CREATE TABLE custom_questions (
    election_id INTEGER NOT NULL REFERENCES elections(id),
    code        TEXT NOT NULL,
    phase       TEXT NOT NULL,
    problem     TEXT NOT NULL,
    parent      TEXT NOT NULL DEFAULT '',
    trig        TEXT NOT NULL DEFAULT '',
    texts       TEXT NOT NULL, -- JSON {"en": …, "ru": …, "kk": …}
    position    INTEGER NOT NULL,
    PRIMARY KEY (election_id, code)
);

CREATE TABLE observations (
    id            INTEGER PRIMARY KEY,
    election_id   INTEGER NOT NULL REFERENCES elections(id),
    client_id     TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    station_id    INTEGER NOT NULL REFERENCES stations(id),
    region_id     INTEGER NOT NULL,
    district_id   INTEGER,
    phase         TEXT NOT NULL,
    observer_id   INTEGER REFERENCES observers(id),
    user_id       INTEGER REFERENCES users(id),
    arrived_at    TEXT,
    left_at       TEXT,
    assessment    TEXT NOT NULL DEFAULT '',
    answers       TEXT NOT NULL DEFAULT '{}', -- JSON {"question_code": "yes"|"no"|"na"}
    protocol      TEXT,                        -- JSON of the protocol figures, counting only
    notes         TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT 'submitted',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (election_id, client_id)
);
CREATE INDEX observations_station ON observations(station_id, phase);
CREATE INDEX observations_election ON observations(election_id, phase);
CREATE INDEX observations_user ON observations(user_id, id);

CREATE TABLE incidents (
    id                INTEGER PRIMARY KEY,
    election_id       INTEGER NOT NULL REFERENCES elections(id),
    client_id         TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    station_id        INTEGER NOT NULL REFERENCES stations(id),
    region_id         INTEGER NOT NULL,
    district_id       INTEGER,
    phase             TEXT NOT NULL,
    category          TEXT NOT NULL,
    occurred_at       TEXT NOT NULL,
    witnessed         INTEGER NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    observation_id    INTEGER REFERENCES observations(id),
    observer_id       INTEGER REFERENCES observers(id),
    user_id           INTEGER REFERENCES users(id),
    status            TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'verified', 'rejected')),
    verified_by       INTEGER REFERENCES users(id),
    verified_at       TEXT,
    verification_note TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (election_id, client_id)
);
-- Keyset paging (id DESC) under the coordinator's filters.
CREATE INDEX incidents_election ON incidents(election_id, id);
CREATE INDEX incidents_region ON incidents(election_id, region_id, id);
CREATE INDEX incidents_district ON incidents(district_id, id);
CREATE INDEX incidents_station ON incidents(station_id, id);
CREATE INDEX incidents_category ON incidents(election_id, category, id);
CREATE INDEX incidents_status ON incidents(election_id, status, id);
CREATE INDEX incidents_observation ON incidents(observation_id);
CREATE INDEX incidents_user ON incidents(user_id, id);

-- Evidence files, content-addressed: the bytes are at <data>/evidence/<aa>/<sha256>.
CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mime          TEXT NOT NULL,
    original_name TEXT NOT NULL DEFAULT '',
    uploaded_by   INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    UNIQUE (incident_id, sha256)
);
CREATE INDEX evidence_sha ON evidence(sha256);

-- The append-only, hash-chained audit log.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    election_id INTEGER NOT NULL DEFAULT 0,
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Nothing is deleted: incidents are rejected, evidence is kept.
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN SELECT RAISE(ABORT, 'incidents are rejected, never deleted'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never deleted'); END;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
