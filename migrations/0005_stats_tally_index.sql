-- Statistics read an election's incidents in one pass in station order
-- (internal/storage/stats_read.go). This index covers that pass, for the whole
-- election or for the few stations a refresh re-reads, with the time for windowed
-- scopes right after the station. It replaces the two indexes of 0002, which served
-- an earlier two-query design.
DROP INDEX IF EXISTS incidents_stats;
DROP INDEX IF EXISTS incidents_stats_witnessed;
CREATE INDEX incidents_tally ON incidents(election_id, station_id, occurred_at, phase, category, status, witnessed, observation_id);
