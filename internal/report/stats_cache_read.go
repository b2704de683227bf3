package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// update builds the snapshot after prev with the given stations read again.
// reload is true when they cannot be placed in prev's hierarchy or layout.
func (c *StatsCache) update(ctx context.Context, electionID int64, prev *statsSnapshot, ids []int64) (next *statsSnapshot, reload bool, err error) {
	if len(ids) == 0 {
		n := *prev
		return &n, false, nil
	}
	metas, err := c.src.StationsMetaByID(ctx, electionID, ids)
	if err != nil {
		return nil, false, fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	found := make([]int64, 0, len(metas))
	for _, m := range metas {
		if old, ok := prev.h.idx.byID[m.ID]; !ok || old != m {
			return nil, true, nil // a new, moved or renamed station
		}
		found = append(found, m.ID)
	}
	tallies, err := c.src.StationTallies(ctx, electionID, found, nil)
	if err != nil {
		return nil, false, fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	stations, err := c.laidOut(ctx, electionID, found, prev.layout, tallies)
	switch {
	case errors.Is(err, errUnknownCategory):
		return nil, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	return prev.with(found, stations), false, nil
}

// load reads a whole election into a new snapshot, and makes the election the
// owner of its stations.
func (c *StatsCache) load(ctx context.Context, e *electionCache) (*statsSnapshot, error) {
	meta, err := c.src.StationsMeta(ctx, e.id)
	if err != nil {
		return nil, err
	}
	schema, err := c.src.StatsSchema(ctx, e.id)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if c.hours != nil {
		if loc, err = c.hours.ElectionLocation(ctx, e.id); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	for _, m := range meta {
		// Marks from now on go to this election; they are newer than what is read next.
		c.owner[m.ID] = e
	}
	c.mu.Unlock()
	tallies, err := c.src.StationTallies(ctx, e.id, nil, nil)
	if err != nil {
		return nil, err
	}
	var extra []string
	for _, t := range tallies {
		for _, pt := range t.Phases {
			for code := range pt.Categories {
				extra = append(extra, code)
			}
		}
	}
	slices.Sort(extra)
	layout := newCountLayout(schema, slices.Compact(extra))
	stations, err := c.laidOut(ctx, e.id, nil, layout, tallies)
	if err != nil {
		return nil, err
	}
	return newSnapshot(schema, layout, meta, stations, loc), nil
}

// errUnknownCategory says that stations read hold a category the snapshot's
// layout lacks: the election is loaded again with a new layout.
var errUnknownCategory = errors.New("report: a category the statistics cache has not laid out")

// laidOut lays tallies out and adds each station's incidents by hour (stations
// ids, nil: all).
func (c *StatsCache) laidOut(ctx context.Context, electionID int64, ids []int64, layout *countLayout, tallies map[int64]*StationTally) (map[int64]stationCounts, error) {
	out := make(map[int64]stationCounts, len(tallies))
	for id, t := range tallies {
		counts, ok := layout.counts(t)
		if !ok {
			return nil, errUnknownCategory
		}
		out[id] = stationCounts{counts: counts}
	}
	if c.hours == nil {
		return out, nil
	}
	cells, err := readHours(ctx, c.hours, electionID, ids, nil, layout)
	if err != nil {
		return nil, err
	}
	for id, cs := range cells {
		sc := out[id]
		sc.hours = cs
		out[id] = sc
	}
	return out, nil
}

// readHours reads incidents by hour into cells per station.
func readHours(ctx context.Context, src HourSource, electionID int64, ids []int64, window *TimeWindow, layout *countLayout) (map[int64][]hourCell, error) {
	cells := map[int64][]hourCell{}
	if ids != nil && len(ids) == 0 {
		return cells, nil
	}
	err := src.IncidentHours(ctx, electionID, ids, window, func(station int64, h HourCount) error {
		if h.Status != StatusNew && h.Status != StatusVerified {
			return nil
		}
		cat, ok := layout.catIndex[h.Category]
		if !ok {
			return errUnknownCategory
		}
		cells[station] = append(cells[station], hourCell{makeHourKey(h.Hour, cat, h.Status), int32(h.N)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, cs := range cells {
		var sum cellSum = make(map[hourKey]int32, len(cs))
		sum.add(cs, 1)
		cells[id] = mergeCells(nil, sum)
	}
	return cells, nil
}

// computeFresh computes a document straight from the source, for time windows.
func (c *StatsCache) computeFresh(ctx context.Context, q StatsQuery) (*StatsDocument, error) {
	meta, err := c.src.StationsMeta(ctx, q.ElectionID)
	if err != nil {
		return nil, err
	}
	schema, err := c.src.StatsSchema(ctx, q.ElectionID)
	if err != nil {
		return nil, err
	}
	sc, err := newStationIndex(meta).resolve(q)
	if err != nil {
		return nil, err
	}
	tallies, err := c.src.StationTallies(ctx, q.ElectionID, stationsIn(sc, meta), q.Window)
	if err != nil {
		return nil, err
	}
	return Compute(q, schema, meta, tallies)
}

// stationsIn lists the stations of a scope (nil for the whole country).
func stationsIn(sc resolvedScope, meta []StationMeta) []int64 {
	if sc.level == LevelCountry {
		return nil
	}
	ids := []int64{}
	for _, m := range meta {
		if sc.contains(m) {
			ids = append(ids, m.ID)
		}
	}
	return ids
}
