-- Official results (results.md): each import is a version, kept side by side with
-- the others; nothing in them is ever changed or deleted.
CREATE TABLE result_versions (
    id          INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    label       TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    candidates  TEXT NOT NULL, -- JSON array of candidate codes, in the file's column order
    stations    INTEGER NOT NULL,
    sha256      TEXT NOT NULL, -- of the imported file
    created_by  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    UNIQUE (election_id, label)
);

CREATE TABLE results (
    version_id         INTEGER NOT NULL REFERENCES result_versions(id),
    station_id         INTEGER NOT NULL REFERENCES stations(id),
    registered_voters  INTEGER NOT NULL,
    ballots_issued     INTEGER NOT NULL,
    ballots_valid      INTEGER NOT NULL,
    ballots_invalid    INTEGER NOT NULL,
    ballots_received   INTEGER,
    ballots_cancelled  INTEGER,
    ballots_mobile     INTEGER,
    ballots_stationary INTEGER,
    votes              TEXT NOT NULL, -- JSON array aligned with the version's candidates
    PRIMARY KEY (version_id, station_id)
) WITHOUT ROWID;
CREATE INDEX results_station ON results(station_id);

CREATE TRIGGER result_versions_no_update BEFORE UPDATE ON result_versions
BEGIN SELECT RAISE(ABORT, 'results versions are kept as imported'); END;
CREATE TRIGGER result_versions_no_delete BEFORE DELETE ON result_versions
BEGIN SELECT RAISE(ABORT, 'results versions are kept as imported'); END;
CREATE TRIGGER results_no_update BEFORE UPDATE ON results
BEGIN SELECT RAISE(ABORT, 'results are kept as imported'); END;
CREATE TRIGGER results_no_delete BEFORE DELETE ON results
BEGIN SELECT RAISE(ABORT, 'results are kept as imported'); END;
