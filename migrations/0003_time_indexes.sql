-- Time-window scopes and the dashboard's timeline read incidents by occurrence time.
CREATE INDEX incidents_occurred ON incidents(election_id, occurred_at);
CREATE INDEX observations_arrived ON observations(election_id, arrived_at);
