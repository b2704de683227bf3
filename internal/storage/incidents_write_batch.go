package storage

import (
	"context"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

// SaveIncidents saves many incidents of one election in one write (an operator's
// bulk load, demo data), each exactly as SaveIncident would. A bad or conflicting
// incident fails the whole write, naming its position.
func (s *Store) SaveIncidents(ctx context.Context, electionID int64, ins []report.Incident, actor report.User) (added, unchanged int, err error) {
	err = s.Write(ctx, func(tx *Tx) error {
		added, unchanged = 0, 0
		w, err := newRecordWriter(tx, electionID, actor)
		if err != nil {
			return err
		}
		for i, in := range ins {
			in.ElectionID = electionID
			_, created, err := w.saveIncident(in)
			if err != nil {
				return fmt.Errorf("incident %d (client_id %q): %w", i, in.ClientID, err)
			}
			if created {
				added++
			} else {
				unchanged++
			}
		}
		return nil
	})
	return added, unchanged, err
}
