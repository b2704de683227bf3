package storage

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
)

// DefaultSilence is how long a checked-in observer may be unheard before they
// count as silent (intake.md), unless configured otherwise.
const DefaultSilence = 90 * time.Minute

// CoverageRow is one district (or a region's stations without one) on the
// coverage page: stations with an assigned observer, and of them those with an
// observer checked in, heard from in the last hour, and silent.
type CoverageRow struct {
	RegionCode, RegionName     string
	DistrictCode, DistrictName string
	Assigned, CheckedIn        int
	HeardLastHour, Silent      int
	// Channels counts the channel each observer last used.
	Channels map[string]int
}

// SilentObserver is a checked-in observer not heard from for the configured time,
// from check-in until their counting observation or check-out.
type SilentObserver struct {
	ObserverID   int64
	ObserverCode string
	ElectionID   int64
	Station      report.Station
	CheckedInAt  time.Time
	LastHeardAt  time.Time
	LastChannel  string
}

type presenceRow struct {
	station                 report.Station
	observerID              int64
	observerCode            string
	in, out, counted, heard sql.NullString
	channel                 sql.NullString
	at                      sql.NullInt64 // the station presence is at
}

func (s *Store) presenceRows(ctx context.Context, electionID int64, regionCode string) ([]presenceRow, error) {
	q := `SELECT st.id, st.code, st.timezone, r.id, r.code, r.name, COALESCE(d.id, 0), COALESCE(d.code, ''), COALESCE(d.name, ''),
		o.id, o.code, p.station_id, p.checked_in_at, p.checked_out_at, p.counted_at, p.last_heard_at, p.last_channel
		FROM assignments a JOIN stations st ON st.id = a.station_id
		JOIN regions r ON r.id = st.region_id LEFT JOIN districts d ON d.id = st.district_id
		JOIN observers o ON o.id = a.observer_id
		LEFT JOIN presence p ON p.observer_id = a.observer_id AND p.election_id = st.election_id
		WHERE st.election_id = ?`
	args := []any{electionID}
	if regionCode != "" {
		q += " AND r.code = ?"
		args = append(args, regionCode)
	}
	rows, err := s.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read presence: %w", err)
	}
	defer rows.Close()
	var out []presenceRow
	for rows.Next() {
		var p presenceRow
		st := &p.station
		if err := rows.Scan(&st.ID, &st.Code, &st.Timezone, &st.RegionID, &st.RegionCode, &st.RegionName,
			&st.DistrictID, &st.DistrictCode, &st.DistrictName, &p.observerID, &p.observerCode, &p.at,
			&p.in, &p.out, &p.counted, &p.heard, &p.channel); err != nil {
			return nil, fmt.Errorf("store: unable to read presence: %w", err)
		}
		st.ElectionID = electionID
		out = append(out, p)
	}
	return out, rows.Err()
}

// checkedIn reports whether the row's observer is at their station: checked in
// and not out since. (Presence holds one station per observer: the latest.)
func (p presenceRow) checkedIn() bool {
	return p.in.Valid && !p.out.Valid && p.presentHere()
}

func (p presenceRow) presentHere() bool { return !p.at.Valid || p.at.Int64 == p.station.ID }

func (p presenceRow) silent(now time.Time, silence time.Duration) bool {
	return p.checkedIn() && !p.counted.Valid && p.heard.Valid && parseTime(p.heard.String).Before(now.Add(-silence))
}

// Coverage summarises presence per region and district (regionCode limits it to
// one region); rows in code order.
func (s *Store) Coverage(ctx context.Context, electionID int64, regionCode string, now time.Time, silence time.Duration) ([]CoverageRow, error) {
	rows, err := s.presenceRows(ctx, electionID, regionCode)
	if err != nil {
		return nil, err
	}
	type key struct{ region, district string }
	type stationState struct{ in, heard, silent bool }
	byKey := map[key]*CoverageRow{}
	stations := map[key]map[int64]*stationState{}
	for _, p := range rows {
		st := p.station
		k := key{st.RegionCode, st.DistrictCode}
		row := byKey[k]
		if row == nil {
			row = &CoverageRow{RegionCode: st.RegionCode, RegionName: st.RegionName, DistrictCode: st.DistrictCode,
				DistrictName: st.DistrictName, Channels: map[string]int{}}
			byKey[k] = row
			stations[k] = map[int64]*stationState{}
		}
		ss := stations[k][st.ID]
		if ss == nil {
			ss = &stationState{}
			stations[k][st.ID] = ss
		}
		if p.checkedIn() {
			ss.in = true
		}
		if p.presentHere() && p.heard.Valid && !parseTime(p.heard.String).Before(now.Add(-time.Hour)) {
			ss.heard = true
		}
		if p.silent(now, silence) {
			ss.silent = true
		}
		if p.channel.Valid && p.presentHere() {
			row.Channels[p.channel.String]++
		}
	}
	out := make([]CoverageRow, 0, len(byKey))
	for k, row := range byKey {
		for _, ss := range stations[k] {
			row.Assigned++
			if ss.in {
				row.CheckedIn++
			}
			if ss.heard {
				row.HeardLastHour++
			}
			if ss.silent {
				row.Silent++
			}
		}
		out = append(out, *row)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].RegionCode != out[j].RegionCode {
			return out[i].RegionCode < out[j].RegionCode
		}
		return out[i].DistrictCode < out[j].DistrictCode
	})
	return out, nil
}

// SilentObservers lists the checked-in observers of the election (of one region
// when regionCode is set) not heard from for silence while their station is open
// (intake.StationOpen), from check-in until their counting observation or
// check-out: those the coordinators of the region are alerted about.
func (s *Store) SilentObservers(ctx context.Context, electionID int64, regionCode string, now time.Time, silence time.Duration) ([]SilentObserver, error) {
	el, err := s.Election(ctx, electionID)
	if err != nil {
		return nil, err
	}
	zone, err := s.ElectionLocation(ctx, electionID)
	if err != nil {
		return nil, err
	}
	rows, err := s.presenceRows(ctx, electionID, regionCode)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var out []SilentObserver
	for _, p := range rows {
		if seen[p.observerID] || !p.silent(now, silence) || !intake.StationOpen(now, p.station, el.Date, zone) {
			continue
		}
		seen[p.observerID] = true
		out = append(out, SilentObserver{ObserverID: p.observerID, ObserverCode: p.observerCode, ElectionID: electionID,
			Station: p.station, CheckedInAt: parseTime(p.in.String), LastHeardAt: parseTime(p.heard.String),
			LastChannel: p.channel.String})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastHeardAt.Before(out[j].LastHeardAt) })
	return out, nil
}
