-- observations_arrived (0003) could serve no query: every time window reads
-- COALESCE(arrived_at, created_at), which an index on arrived_at cannot answer, and
-- lookups by election have observations_election. Each form still paid for it: one
-- more B-tree insert at a random place (arrival times are spread over the day), a
-- page more in the WAL and in every checkpoint.
DROP INDEX IF EXISTS observations_arrived;
