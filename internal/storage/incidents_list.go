package storage

import (
	"context"
	"fmt"

	"github.com/observerkz/observer/internal/report"
)

// NewerPage finds the page before f's in keyset paging (newest first): f names its
// page by f.BeforeID and its size by f.Limit. It returns the BeforeID of the newer
// page (0: the first page), and ok false when nothing is newer.
func (s *Store) NewerPage(ctx context.Context, f report.IncidentFilter) (beforeID int64, ok bool, err error) {
	if f.BeforeID == 0 || f.Limit <= 0 {
		return 0, false, nil
	}
	// The current page starts with the newest incident below BeforeID, so everything
	// newer has id >= BeforeID. The newer page holds the Limit oldest of those; the
	// one after them (if any) is its BeforeID.
	from := f.BeforeID
	f.BeforeID = 0
	where, args := incidentWhere(f)
	if where == "" {
		where = " WHERE i.id >= ?"
	} else {
		where += " AND i.id >= ?"
	}
	args = append(args, from, f.Limit+1)
	rows, err := s.ro.QueryContext(ctx, "SELECT i.id FROM incidents i"+where+" ORDER BY i.id LIMIT ?", args...)
	if err != nil {
		return 0, false, fmt.Errorf("store: unable to page incidents: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, false, fmt.Errorf("store: unable to page incidents: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, false, fmt.Errorf("store: unable to page incidents: %w", err)
	}
	switch {
	case len(ids) == 0:
		return 0, false, nil
	case len(ids) <= f.Limit:
		return 0, true, nil
	}
	return ids[f.Limit], true, nil
}

// CountIncidentsUpTo counts incidents matching f (ignoring paging), stopping at max:
// more is true when there are more than max. A page's total costs at most max index
// entries, where an exact count of a million would read them all on every page view.
func (s *Store) CountIncidentsUpTo(ctx context.Context, f report.IncidentFilter, max int) (n int, more bool, err error) {
	f.BeforeID, f.Limit = 0, 0
	where, args := incidentWhere(f)
	q := "SELECT COUNT(*) FROM (SELECT 1 FROM incidents i" + where + " LIMIT ?)"
	if err := s.ro.QueryRowContext(ctx, q, append(args, max+1)...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("store: unable to count incidents: %w", err)
	}
	if n > max {
		return max, true, nil
	}
	return n, false, nil
}
