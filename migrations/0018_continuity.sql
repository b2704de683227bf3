-- The database's epoch: an id that changes the first time serve opens a database
-- made by restore or standby, so that clients send again what they kept. After such
-- a change new incidents and observations start at id_floor, well above any id the
-- lost primary may have handed out after the replica's last position.
CREATE TABLE continuity (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    epoch      TEXT NOT NULL,
    id_floor   INTEGER NOT NULL DEFAULT 0,
    -- the data folder (evidence, keys) restore or standby used, or serve last used
    data_dir   TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL DEFAULT '',
    -- the last check that passed (backup or restore): when and what it found
    check_at   TEXT NOT NULL DEFAULT '',
    check_note TEXT NOT NULL DEFAULT ''
);
INSERT INTO continuity(id, epoch) VALUES (1, lower(hex(randomblob(8))));
