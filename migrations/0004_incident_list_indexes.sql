-- The coordinator's incident list (web/incidents_list.go) filters by region and status
-- together and shows the total: with this index both the page (keyset on id) and the
-- count read only the matching entries, among a million incidents. Region ids are
-- unique across elections, so region_id leads: an index led by election_id would
-- tempt the planner away from the id order of the unfiltered list.
CREATE INDEX incidents_region_status ON incidents(region_id, status, election_id, id);
