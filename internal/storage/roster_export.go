package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// ExportObservers writes the observers as an observers CSV (formats.md: the
// columns the import reads, their language included), each with their stations in
// el, by code, from one read snapshot, and records the export in the audit log.
// regionCode limits it to one region's observers ("" for all). Names, phones and
// e-mail addresses go out only with includeContacts, which the audit entry records.
// It returns how many observers were written.
func (s *Store) ExportObservers(ctx context.Context, w io.Writer, el report.Election, regionCode string, includeContacts bool, actor report.User) (int, error) {
	if _, err := s.recordExport(ctx, actor, el.ID, "observers", el.Code,
		exportDetails{Scope: exportScope{Region: regionCode}, Format: "csv", IncludeContacts: includeContacts}); err != nil {
		return 0, err
	}
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return 0, err
	}
	defer snap.Close()
	c, err := report.NewObserverCSV(w, includeContacts)
	if err != nil {
		return 0, err
	}
	q := `SELECT o.id, o.code, o.region_code, o.language,
		COALESCE((SELECT group_concat(st.code, ' ' ORDER BY st.code) FROM assignments a CROSS JOIN stations st ON st.id = a.station_id
			WHERE a.observer_id = o.id AND st.election_id = ?), '')
		FROM observers o`
	args := []any{el.ID}
	if regionCode != "" {
		q += " WHERE o.region_code = ?"
		args = append(args, regionCode)
	}
	rows, err := snap.tx.QueryContext(ctx, q+" ORDER BY o.code", args...)
	if err != nil {
		return 0, fmt.Errorf("store: unable to list observers: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var rec report.ObserverRecord
		var id int64
		var stations string
		if err := rows.Scan(&id, &rec.Code, &rec.RegionCode, &rec.Language, &stations); err != nil {
			return n, fmt.Errorf("store: unable to read an observer: %w", err)
		}
		rec.Stations = strings.Fields(stations)
		if includeContacts {
			ct, err := snap.ObserverContact(ctx, id)
			if err != nil && !errors.Is(err, report.ErrNotFound) {
				return n, err
			}
			rec.Contact = ct
		}
		if err := c.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("store: unable to list observers: %w", err)
	}
	return n, c.Close()
}
