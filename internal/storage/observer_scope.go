package storage

import (
	"context"
	"fmt"
)

// ObserverAssignedInRegion reports whether the observer with this code is assigned,
// in the election, to at least one station of the region: the observers a
// coordinator limited to that region may file records for. An unknown code, or an
// observer assigned only elsewhere (or not at all in this election), gives false.
func (s *Store) ObserverAssignedInRegion(ctx context.Context, electionID int64, code, regionCode string) (bool, error) {
	var ok bool
	err := s.ro.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM observers o
		JOIN assignments a ON a.observer_id = o.id
		JOIN stations st ON st.id = a.station_id
		JOIN regions r ON r.id = st.region_id
		WHERE o.code = ? AND st.election_id = ? AND r.code = ?)`, code, electionID, regionCode).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: unable to check observer %s's assignments: %w", code, err)
	}
	return ok, nil
}
