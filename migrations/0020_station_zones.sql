-- The election's zone (the one most of its stations keep: ElectionLocation) is read
-- for each SMS whose observer's station has no zone of its own. Counted from this
-- index, it reads only the stations that have a zone, not the whole station list.
CREATE INDEX stations_zone ON stations(election_id, timezone) WHERE timezone <> '';
