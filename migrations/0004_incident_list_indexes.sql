-- The coordinator's incident list (web/incidents_list.go) filters by region and status
-- together and shows the total: with this index both the page (keyset on id) and the
-- count read only the matching entries, among a million incidents.
CREATE INDEX incidents_region_status ON incidents(election_id, region_id, status, id);
