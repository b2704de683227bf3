-- A counter that every change to accounts, API tokens and elections moves. The
-- server keeps the account of each API token and each election by code in memory
-- while the counter stands (internal/storage/access_cache.go): its own writer reads
-- the counter after every commit, and an entry is trusted for at most a second, so
-- a change by another process (an admin tool) takes effect within that second.
CREATE TABLE access_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO access_version(id, n) VALUES (1, 0);

CREATE TRIGGER users_access_ins AFTER INSERT ON users BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER users_access_upd AFTER UPDATE ON users BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER users_access_del AFTER DELETE ON users BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER api_tokens_access_ins AFTER INSERT ON api_tokens BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER api_tokens_access_upd AFTER UPDATE ON api_tokens BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER api_tokens_access_del AFTER DELETE ON api_tokens BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER elections_access_ins AFTER INSERT ON elections BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER elections_access_upd AFTER UPDATE ON elections BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER elections_access_del AFTER DELETE ON elections BEGIN UPDATE access_version SET n = n + 1; END;
