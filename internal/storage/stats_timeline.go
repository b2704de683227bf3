package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// IncidentHour counts the incidents of one station, category and status that
// occurred in one hour (UTC), for the dashboard's timeline.
type IncidentHour struct {
	StationID int64
	Category  string
	Status    report.Status
	// Hour is the start of the UTC hour, as Unix seconds.
	Hour int64
	N    int
}

// timelineChunk bounds the station ids bound into one query.
const timelineChunk = 500

// IncidentHours counts incidents by station, category, status and UTC hour.
// Rejected incidents are left out: no statistic counts them. stationIDs nil means
// every station; window narrows by occurred_at. Without stations and with a window
// the read walks the incidents_occurred index over the window only, so a narrow
// window stays cheap however many incidents the day holds; with stations it walks
// the statistics index (migration 0002), which holds every column it needs.
func (s *Store) IncidentHours(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow) ([]IncidentHour, error) {
	if stationIDs != nil && len(stationIDs) == 0 {
		return nil, nil
	}
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: unable to start reading the incident timeline: %w", err)
	}
	defer tx.Rollback()
	var out []IncidentHour
	if stationIDs == nil {
		return readIncidentHours(ctx, tx, out, electionID, nil, window)
	}
	for start := 0; start < len(stationIDs); start += timelineChunk {
		chunk := stationIDs[start:min(start+timelineChunk, len(stationIDs))]
		if out, err = readIncidentHours(ctx, tx, out, electionID, chunk, window); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func readIncidentHours(ctx context.Context, tx *sql.Tx, out []IncidentHour, electionID int64, stations []int64, window *report.TimeWindow) ([]IncidentHour, error) {
	var b strings.Builder
	args := []any{electionID}
	b.WriteString(`SELECT station_id, category, status, substr(occurred_at, 1, 13), COUNT(*) FROM incidents`)
	if stations == nil && window != nil && (window.From != nil || window.To != nil) {
		b.WriteString(` INDEXED BY incidents_occurred`)
	}
	b.WriteString(` WHERE election_id = ? AND status <> 'rejected'`)
	if stations != nil {
		b.WriteString(` AND station_id IN (?` + strings.Repeat(",?", len(stations)-1) + `)`)
		for _, id := range stations {
			args = append(args, id)
		}
	}
	if window != nil {
		if window.From != nil {
			b.WriteString(` AND occurred_at >= ?`)
			args = append(args, fmtTime(*window.From))
		}
		if window.To != nil {
			b.WriteString(` AND occurred_at < ?`)
			args = append(args, fmtTime(*window.To))
		}
	}
	b.WriteString(` GROUP BY station_id, category, status, substr(occurred_at, 1, 13)`)
	rows, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return out, fmt.Errorf("store: unable to count incidents by hour: %w", err)
	}
	defer rows.Close()
	codes := map[string]string{} // a million incidents share a few dozen category strings
	var (
		h             IncidentHour
		status, hour  string
		category      string
		lastHourText  string
		lastHourValue int64
	)
	for rows.Next() {
		if err := rows.Scan(&h.StationID, &category, &status, &hour, &h.N); err != nil {
			return out, fmt.Errorf("store: unable to read incident counts by hour: %w", err)
		}
		if c, ok := codes[category]; ok {
			h.Category = c
		} else {
			codes[category] = category
			h.Category = category
		}
		h.Status = report.Status(status)
		if hour != lastHourText {
			t, err := time.Parse("2006-01-02T15", hour)
			if err != nil {
				return out, fmt.Errorf("store: an incident has an unreadable time %q: %w", hour, err)
			}
			lastHourText, lastHourValue = hour, t.Unix()
		}
		h.Hour = lastHourValue
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: unable to count incidents by hour: %w", err)
	}
	return out, nil
}

// ElectionLocation is the time zone most of an election's stations keep (UTC when
// none says): the dashboard's "today" and its hours of the day are in it.
func (s *Store) ElectionLocation(ctx context.Context, electionID int64) (*time.Location, error) {
	var tz string
	err := s.ro.QueryRowContext(ctx, `SELECT timezone FROM stations WHERE election_id = ? AND timezone <> ''
		GROUP BY timezone ORDER BY COUNT(*) DESC, timezone LIMIT 1`, electionID).Scan(&tz)
	if errors.Is(err, sql.ErrNoRows) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the election's time zone: %w", err)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		// A station list with an unknown zone name must not stop the dashboard.
		return time.UTC, nil
	}
	return loc, nil
}
