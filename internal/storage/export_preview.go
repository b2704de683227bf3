package storage

import (
	"context"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

// PackPreview counts what an evidence pack of this scope would hold (incidents,
// evidence files and their bytes, observations) and estimates its size, so a
// coordinator sees it before asking for it.
func (s *Store) PackPreview(ctx context.Context, f report.IncidentFilter) (report.PackPreview, error) {
	var p report.PackPreview
	f.BeforeID, f.Limit = 0, 0
	n, err := s.CountIncidents(ctx, f)
	if err != nil {
		return p, err
	}
	p.Incidents = n
	where, args := incidentWhere(f)
	var photos int
	q := `SELECT COUNT(*), COALESCE(SUM(e.size), 0),
		COALESCE(SUM(e.mime IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp')), 0)
		FROM evidence e JOIN incidents i ON i.id = e.incident_id
		JOIN stations s ON s.id = i.station_id JOIN regions r ON r.id = s.region_id` + where
	if err := s.ro.QueryRowContext(ctx, q, args...).Scan(&p.EvidenceFiles, &p.EvidenceBytes, &photos); err != nil {
		return p, fmt.Errorf("store: unable to count evidence for a pack: %w", err)
	}
	ow, oargs := observationWhere(f)
	q = "SELECT COUNT(*) FROM observations ob JOIN stations s ON s.id = ob.station_id JOIN regions r ON r.id = s.region_id" + ow
	if err := s.ro.QueryRowContext(ctx, q, oargs...).Scan(&p.Observations); err != nil {
		return p, fmt.Errorf("store: unable to count observations for a pack: %w", err)
	}
	p.EstimatePackBytes(photos)
	return p, nil
}
