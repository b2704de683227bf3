-- A counter that every change to stations, regions, districts or observers moves,
-- so the writer can keep the stations and observer codes it resolves in memory and
-- still see a change made by any connection or tool (internal/storage/ref_cache.go).
CREATE TABLE reference_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO reference_version(id, n) VALUES (1, 0);

CREATE TRIGGER stations_ref_ins AFTER INSERT ON stations BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER stations_ref_upd AFTER UPDATE ON stations BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER stations_ref_del AFTER DELETE ON stations BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER regions_ref_ins AFTER INSERT ON regions BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER regions_ref_upd AFTER UPDATE ON regions BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER regions_ref_del AFTER DELETE ON regions BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER districts_ref_ins AFTER INSERT ON districts BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER districts_ref_upd AFTER UPDATE ON districts BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER districts_ref_del AFTER DELETE ON districts BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER observers_ref_ins AFTER INSERT ON observers BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER observers_ref_upd AFTER UPDATE ON observers BEGIN UPDATE reference_version SET n = n + 1; END;
CREATE TRIGGER observers_ref_del AFTER DELETE ON observers BEGIN UPDATE reference_version SET n = n + 1; END;
