-- A counter that every edit or removal of an observation moves (inserts do not).
-- The statistics keep each station's observation tally and the last observation
-- id read, and read only the newer rows while this counter and checklist_version
-- stay as they were (internal/storage/stats_memo.go): a change made by any
-- connection or tool makes the next read of every station a full one.
CREATE TABLE observation_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO observation_version(id, n) VALUES (1, 0);

CREATE TRIGGER observations_version_upd AFTER UPDATE ON observations BEGIN UPDATE observation_version SET n = n + 1; END;
CREATE TRIGGER observations_version_del AFTER DELETE ON observations BEGIN UPDATE observation_version SET n = n + 1; END;
