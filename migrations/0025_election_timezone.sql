-- An election's time zone (interfaces.md: election add --timezone, default
-- Asia/Almaty): the times of its stations without a zone of their own are in it.
-- An election made before keeps the zone it was shown in until now, the one most
-- of its stations have (Asia/Almaty when none has one). Elections never change
-- (migration 0022), so the trigger steps aside for this one filling.
ALTER TABLE elections ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Asia/Almaty';
DROP TRIGGER elections_no_update;
UPDATE elections SET timezone = COALESCE(
    (SELECT timezone FROM stations WHERE election_id = elections.id AND timezone <> ''
     GROUP BY timezone ORDER BY COUNT(*) DESC, timezone LIMIT 1), 'Asia/Almaty');
CREATE TRIGGER elections_no_update BEFORE UPDATE ON elections
BEGIN SELECT RAISE(ABORT, 'an election does not change once created'); END;
