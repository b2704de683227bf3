package report

import (
	"context"
	"maps"
	"slices"
	"time"
)

// HourCount is a number of incidents of one category and status that occurred
// in one UTC hour.
type HourCount struct {
	Category string
	Status   Status
	Hour     int64 // the start of the UTC hour, Unix seconds
	N        int
}

// HourSource is what a StatsCache reads the incident timeline from, besides its
// TallySource (the web server adapts storage.Store to it).
type HourSource interface {
	// IncidentHours calls fn with incident counts by station, category, status and
	// UTC hour (the same cell may come in several calls, whose counts add up):
	// stationIDs nil for every station, window nil for all time.
	IncidentHours(ctx context.Context, electionID int64, stationIDs []int64, window *TimeWindow, fn func(stationID int64, h HourCount) error) error
	// ElectionLocation is the time zone the election's hours of the day are in.
	ElectionLocation(ctx context.Context, electionID int64) (*time.Location, error)
}

// StatsView is what a dashboard shows of one scope, all from one snapshot of the
// cache (or, for a time window, from the database): the statistics document, the
// schema it was computed with, the election's places and the scope's incident
// timeline, as a whole and for each row of the breakdown.
type StatsView struct {
	Doc    *StatsDocument
	Schema StatsSchema
	Places *StatsPlaces

	codes []string
	total []hourCell
	rows  map[string][]hourCell // by breakdown row code
}

// View returns the view of the query, as fresh as Document. The timeline is
// empty when the cache's source is not an HourSource.
func (c *StatsCache) View(ctx context.Context, q StatsQuery) (*StatsView, error) {
	if q.Window != nil {
		return c.windowView(ctx, q)
	}
	s, err := c.snapshot(ctx, q.ElectionID, false)
	if err != nil {
		return nil, err
	}
	doc, sc, children, err := s.document(q)
	if err != nil {
		return nil, err
	}
	v := &StatsView{Doc: doc, Schema: s.schema, Places: s.places, codes: s.layout.categories, rows: make(map[string][]hourCell, len(children))}
	switch sc.level {
	case LevelCountry:
		v.total = s.rows[0].hours
	case LevelRegion:
		v.total = s.rows[s.h.regionRow[sc.regionID]].hours
	default:
		v.total = s.rows[s.h.districtRow[groupKey{region: sc.regionID, district: sc.districtID}]].hours
	}
	for _, r := range children {
		v.rows[r.code] = r.hours
	}
	return v, nil
}

// windowView computes a windowed scope from the database; the snapshot gives
// only the stations of the scope, so it need not wait for marks.
func (c *StatsCache) windowView(ctx context.Context, q StatsQuery) (*StatsView, error) {
	s, err := c.snapshot(ctx, q.ElectionID, true)
	if err != nil {
		return nil, err
	}
	doc, err := c.computeFresh(ctx, q)
	if err != nil {
		return nil, err
	}
	v := &StatsView{Doc: doc, Schema: s.schema, Places: s.places, rows: map[string][]hourCell{}}
	if c.hours == nil {
		return v, nil
	}
	sc, err := s.h.idx.resolve(q)
	if err != nil {
		return nil, err
	}
	cells, err := readHours(ctx, c.hours, q.ElectionID, stationsIn(sc, slices.Collect(maps.Values(s.h.idx.byID))), q.Window, s.layout)
	if err != nil {
		return nil, err
	}
	total, rows := cellSum{}, map[string]cellSum{}
	for id, cs := range cells {
		m, ok := s.h.idx.byID[id]
		if !ok || !sc.contains(m) {
			continue
		}
		_, code, _ := sc.childLabel(m)
		if rows[code] == nil {
			rows[code] = cellSum{}
		}
		rows[code].add(cs, 1)
		total.add(cs, 1)
	}
	v.codes, v.total = s.layout.categories, mergeCells(nil, total)
	for code, sum := range rows {
		v.rows[code] = mergeCells(nil, sum)
	}
	return v, nil
}

// EachHour calls fn with the scope's incidents (new and verified) by category,
// status and UTC hour.
func (v *StatsView) EachHour(fn func(HourCount)) {
	for _, c := range v.total {
		fn(HourCount{Category: v.codes[c.key.cat()], Status: c.key.status(), Hour: c.key.hour(), N: int(c.n)})
	}
}

// RowIncidents counts, for each row of the breakdown (by code; "" for a
// region's stations without a district), the incidents of the given statuses
// that occurred in the hours starting in [from, to) (Unix seconds).
func (v *StatsView) RowIncidents(statuses []Status, from, to int64) map[string]int {
	out := make(map[string]int, len(v.rows))
	for code, cells := range v.rows {
		n := 0
		for _, c := range cells {
			if h := c.key.hour(); h >= from && h < to && slices.Contains(statuses, c.key.status()) {
				n += int(c.n)
			}
		}
		if n > 0 {
			out[code] = n
		}
	}
	return out
}
