package storage

import (
	"bytes"
	"context"
	"database/sql"
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

// EachIncidentHour calls fn with incident counts by station, category, status
// and UTC hour; the same cell may come in several calls, whose counts add up.
// Rejected incidents are left out: no statistic counts them. stationIDs nil means
// every station; window narrows by occurred_at.
//
// Every incident of an election (the cache's first load) is read from the
// statistics index that covers the columns needed (migration 0005) and counted
// here as it streams: asking SQLite to group a million rows would sort them first,
// twice as slow. A window or a list of stations is small enough to group in SQL;
// a window over the whole election reads the incidents_occurred index (0003).
func (s *Store) EachIncidentHour(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow, fn func(IncidentHour) error) error {
	if stationIDs != nil && len(stationIDs) == 0 {
		return nil
	}
	tx, err := s.ro.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: unable to start reading the incident timeline: %w", err)
	}
	defer tx.Rollback()
	r := &hourReader{fn: fn, codes: map[string]string{}}
	if stationIDs == nil {
		return r.read(ctx, tx, electionID, nil, window)
	}
	for start := 0; start < len(stationIDs); start += timelineChunk {
		if err := r.read(ctx, tx, electionID, stationIDs[start:min(start+timelineChunk, len(stationIDs))], window); err != nil {
			return err
		}
	}
	return nil
}

// hourReader merges consecutive rows of the same cell before handing them on.
type hourReader struct {
	fn    func(IncidentHour) error
	codes map[string]string // a million incidents share a few dozen category strings
	cur   IncidentHour
	have  bool
	// The last hour text and its value: rows in index order repeat hours.
	lastHour []byte
	lastUnix int64
}

func (r *hourReader) read(ctx context.Context, tx *sql.Tx, electionID int64, stations []int64, window *report.TimeWindow) error {
	var b strings.Builder
	args := []any{electionID}
	windowed := window != nil && (window.From != nil || window.To != nil)
	grouped := stations != nil || windowed
	b.WriteString(`SELECT station_id, category, status, substr(occurred_at, 1, 13), `)
	if grouped {
		b.WriteString(`COUNT(*) FROM incidents`)
	} else {
		b.WriteString(`1 FROM incidents`)
	}
	b.WriteString(` WHERE election_id = ? AND status <> 'rejected'`)
	if stations != nil {
		b.WriteString(` AND station_id IN (?` + strings.Repeat(",?", len(stations)-1) + `)`)
		for _, id := range stations {
			args = append(args, id)
		}
	}
	if windowed {
		if window.From != nil {
			b.WriteString(` AND occurred_at >= ?`)
			args = append(args, fmtTime(*window.From))
		}
		if window.To != nil {
			b.WriteString(` AND occurred_at < ?`)
			args = append(args, fmtTime(*window.To))
		}
	}
	if grouped {
		b.WriteString(` GROUP BY station_id, category, status, substr(occurred_at, 1, 13)`)
	}
	rows, err := tx.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return fmt.Errorf("store: unable to count incidents by hour: %w", err)
	}
	defer rows.Close()
	var (
		station          int64
		cat, stat, hour  sql.RawBytes
		n                int
		statNew, statVer = []byte(report.StatusNew), []byte(report.StatusVerified)
	)
	for rows.Next() {
		if err := rows.Scan(&station, &cat, &stat, &hour, &n); err != nil {
			return fmt.Errorf("store: unable to read incident counts by hour: %w", err)
		}
		code, ok := r.codes[string(cat)]
		if !ok {
			code = string(cat)
			r.codes[code] = code
		}
		var status report.Status
		switch {
		case bytes.Equal(stat, statNew):
			status = report.StatusNew
		case bytes.Equal(stat, statVer):
			status = report.StatusVerified
		default:
			status = report.Status(stat)
		}
		if !bytes.Equal(hour, r.lastHour) {
			t, err := time.Parse("2006-01-02T15", string(hour))
			if err != nil {
				return fmt.Errorf("store: an incident has an unreadable time %q: %w", hour, err)
			}
			r.lastHour, r.lastUnix = append(r.lastHour[:0], hour...), t.Unix()
		}
		c := r.cur
		if r.have && c.StationID == station && c.Category == code && c.Status == status && c.Hour == r.lastUnix {
			r.cur.N += n
			continue
		}
		if err := r.flush(); err != nil {
			return err
		}
		r.cur, r.have = IncidentHour{StationID: station, Category: code, Status: status, Hour: r.lastUnix, N: n}, true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: unable to count incidents by hour: %w", err)
	}
	return r.flush()
}

func (r *hourReader) flush() error {
	if !r.have {
		return nil
	}
	r.have = false
	return r.fn(r.cur)
}

// ElectionLocation is the election's time zone (its stations without a zone of
// their own are in it), UTC when its name no longer loads.
func (s *Store) ElectionLocation(ctx context.Context, electionID int64) (*time.Location, error) {
	e, err := s.Election(ctx, electionID)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read the election's time zone: %w", err)
	}
	loc, err := report.LoadZone(e.Timezone)
	if err != nil {
		// A zone this build cannot load must not stop the dashboard.
		return time.UTC, nil
	}
	return loc, nil
}
