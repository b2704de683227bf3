package storage

import (
	"context"
	"fmt"
	"strings"
)

// IntegrityCheck runs SQLite's full integrity check (slower than the quick check
// Open runs: it also checks every index against its table) and gives its answer,
// "ok" for a sound file.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	rows, err := s.ro.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", fmt.Errorf("store: unable to run the integrity check: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", fmt.Errorf("store: unable to read the integrity check: %w", err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("store: unable to read the integrity check: %w", err)
	}
	return strings.Join(lines, "; "), nil
}
