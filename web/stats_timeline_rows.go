package web

import (
	"context"
	"slices"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// dayCount says which cells a count takes: those of the statuses counted, in
// the hours [from, to) (Unix seconds).
type dayCount struct {
	statuses []report.Status
	from, to int64
}

func (d dayCount) takes(status report.Status, hour int64) bool {
	return hour >= d.from && hour < d.to && slices.Contains(d.statuses, status)
}

// rowCounts counts, for each row of a scope's breakdown, the incidents a dayCount
// takes: by region for the country, by district for a region (code "" for its
// stations without a district), by station for a district. Keys are the rows' codes.
func (c *timelineCache) rowCounts(ctx context.Context, electionID int64, region, district string, window *report.TimeWindow, d dayCount) (map[string]int, error) {
	e := c.election(electionID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := c.refresh(ctx, e); err != nil {
		return nil, err
	}
	regionID, districtID, ok := e.places.find(region, district)
	if !ok {
		return nil, report.ErrNotFound
	}
	// rowOf names the breakdown row of a station, "-" when it is outside the scope.
	rowOf := func(m report.StationMeta) string {
		switch {
		case regionID == 0:
			return m.RegionCode
		case m.RegionID != regionID:
		case districtID == 0:
			return m.DistrictCode
		case m.DistrictID == districtID:
			return m.Code
		}
		return "-"
	}
	out := map[string]int{}
	if window != nil {
		var ids []int64
		if regionID != 0 {
			ids = []int64{}
			for id, m := range e.places.byID {
				if rowOf(m) != "-" {
					ids = append(ids, id)
				}
			}
		}
		err := c.src.EachIncidentHour(ctx, e.id, ids, window, func(r storage.IncidentHour) error {
			if m, ok := e.places.byID[r.StationID]; ok && d.takes(r.Status, r.Hour) {
				out[rowOf(m)] += r.N
			}
			return nil
		})
		delete(out, "-")
		return out, err
	}
	sum := func(cells func(yield func(tlKey, int32) bool)) int {
		n := 0
		for k, v := range cells {
			if d.takes(k.status(), k.hour()) {
				n += int(v)
			}
		}
		return n
	}
	mapCells := func(s cellSums) func(yield func(tlKey, int32) bool) {
		return func(yield func(tlKey, int32) bool) {
			for k, v := range s {
				if !yield(k, v) {
					return
				}
			}
		}
	}
	sliceCells := func(cells []tlCell) func(yield func(tlKey, int32) bool) {
		return func(yield func(tlKey, int32) bool) {
			for _, c := range cells {
				if !yield(c.key, c.n) {
					return
				}
			}
		}
	}
	switch {
	case regionID == 0:
		for _, r := range e.places.regions {
			out[r.Code] = sum(mapCells(e.regions[r.ID]))
		}
	case districtID == 0:
		for _, dp := range e.places.districtsOf[region] {
			out[dp.Code] = sum(mapCells(e.districts[dp.ID]))
		}
		// Stations without a district have no sums of their own.
		for id, cells := range e.stations {
			if m := e.places.byID[id]; m.RegionID == regionID && m.DistrictID == 0 {
				out[""] += sum(sliceCells(cells))
			}
		}
	default:
		for id, cells := range e.stations {
			if m := e.places.byID[id]; m.DistrictID == districtID {
				out[m.Code] = sum(sliceCells(cells))
			}
		}
	}
	return out, nil
}
