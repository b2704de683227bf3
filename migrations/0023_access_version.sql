-- access_version moves whenever an account, an API token or a session is changed
-- or deleted, by this server or any other process (the command line, an admin
-- tool). The server keeps the accounts behind the tokens and sessions it has
-- seen (storage/access.go) only while this number stays the same, so a token
-- revoked or an account disabled anywhere stops working from the next request.
-- New rows need no bump: a token or session not yet seen is read from its table.
CREATE TABLE access_version (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO access_version(id, n) VALUES (1, 0);
CREATE TRIGGER users_access_upd AFTER UPDATE ON users BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER users_access_del AFTER DELETE ON users BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER api_tokens_access_upd AFTER UPDATE ON api_tokens BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER api_tokens_access_del AFTER DELETE ON api_tokens BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER sessions_access_upd AFTER UPDATE ON sessions BEGIN UPDATE access_version SET n = n + 1; END;
CREATE TRIGGER sessions_access_del AFTER DELETE ON sessions BEGIN UPDATE access_version SET n = n + 1; END;
