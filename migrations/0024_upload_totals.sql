-- What each account has uploaded in each election, in bytes. The per-account
-- evidence limit (serve --max-uploads) reads this one row inside the writer,
-- rather than adding up every file the account ever uploaded there: that sum
-- grew with each upload and held every submission queued behind it. The row is
-- written in the same transaction as the evidence record (storage/evidence.go),
-- and evidence is never deleted, so the total only ever grows with it.
CREATE TABLE upload_totals (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    election_id INTEGER NOT NULL REFERENCES elections(id),
    bytes       INTEGER NOT NULL,
    PRIMARY KEY (user_id, election_id)
) WITHOUT ROWID;
INSERT INTO upload_totals(user_id, election_id, bytes)
SELECT e.uploaded_by, i.election_id, SUM(e.size) FROM evidence e JOIN incidents i ON i.id = e.incident_id
WHERE e.uploaded_by IS NOT NULL GROUP BY e.uploaded_by, i.election_id;
