-- The server also keeps each observer's assigned stations in memory, under the same
-- counter as accounts and elections (internal/storage/access_cache.go): changes to
-- assignments, and to the stations, regions and districts they show, move it too.
CREATE TRIGGER assignments_access_ins AFTER INSERT ON assignments BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER assignments_access_upd AFTER UPDATE ON assignments BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER assignments_access_del AFTER DELETE ON assignments BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER stations_access_ins AFTER INSERT ON stations BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER stations_access_upd AFTER UPDATE ON stations BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER stations_access_del AFTER DELETE ON stations BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER regions_access_ins AFTER INSERT ON regions BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER regions_access_upd AFTER UPDATE ON regions BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER regions_access_del AFTER DELETE ON regions BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER districts_access_ins AFTER INSERT ON districts BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER districts_access_upd AFTER UPDATE ON districts BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER districts_access_del AFTER DELETE ON districts BEGIN UPDATE access_version SET n = n + 1; END;
