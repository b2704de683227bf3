-- Indexes for statistics (internal/storage/stats.go). Both cover their query, so
-- the national tally reads two indexes in order instead of sorting a million rows.

-- Incident counts per station, phase, category and status (the GROUP BY), with the
-- time for windowed scopes.
CREATE INDEX incidents_stats ON incidents(election_id, station_id, phase, category, status, occurred_at);

-- Witnessed incidents attached to observations, per observation and category.
CREATE INDEX incidents_stats_witnessed ON incidents(election_id, observation_id, category, status)
    WHERE witnessed = 1 AND observation_id IS NOT NULL;
