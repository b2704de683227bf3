-- An election, once created, does not change: its code is in every export and
-- evidence pack, and the server keeps the rows it has read (Store.ElectionByCode).
-- Say so where it cannot be forgotten.
CREATE TRIGGER elections_no_update BEFORE UPDATE ON elections
BEGIN SELECT RAISE(ABORT, 'an election does not change once created'); END;
CREATE TRIGGER elections_no_delete BEFORE DELETE ON elections
BEGIN SELECT RAISE(ABORT, 'an election is never deleted'); END;
