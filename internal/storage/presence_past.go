package storage

import (
	"context"
	"fmt"
	"time"
)

// PresenceAt records that an observer was last heard from at a past time, checked
// in at the station then, when nothing is known of them yet (the demo's silent
// observer: contact is otherwise always "now"). It reports whether it did.
func (s *Store) PresenceAt(ctx context.Context, observerID, electionID, stationID int64, channel string, at time.Time) (bool, error) {
	done := false
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`INSERT INTO presence(observer_id, election_id, station_id, checked_in_at, last_heard_at, last_channel)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(observer_id, election_id) DO NOTHING`,
			observerID, electionID, stationID, fmtTime(at), fmtTime(at), channel)
		if err != nil {
			return fmt.Errorf("store: unable to note contact from observer %d: %w", observerID, err)
		}
		n, _ := res.RowsAffected()
		done = n == 1
		return nil
	})
	return done, err
}
