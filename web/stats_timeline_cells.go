package web

import (
	"slices"
	"sort"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// A million incidents make about as many timeline cells (station × category ×
// status × hour), so a cell is kept in 16 bytes: a packed key and a count.

// tlKey packs a cell: the UTC hour (Unix hours) in the high bits, then the
// category's index in the election's category table, then 1 for verified.
type tlKey uint64

func makeKey(hour int64, cat uint32, status report.Status) tlKey {
	k := uint64(hour/3600)<<24 | uint64(cat&0x7fffff)<<1
	if status == report.StatusVerified {
		k |= 1
	}
	return tlKey(k)
}

func (k tlKey) hour() int64 { return int64(k>>24) * 3600 }
func (k tlKey) cat() uint32 { return uint32(k>>1) & 0x7fffff }
func (k tlKey) status() report.Status {
	if k&1 == 1 {
		return report.StatusVerified
	}
	return report.StatusNew
}

type tlCell struct {
	key tlKey
	n   int32
}

// cellSums is the sum of many stations' cells.
type cellSums map[tlKey]int32

func (s cellSums) add(cells []tlCell, sign int32) {
	for _, c := range cells {
		if v := s[c.key] + sign*c.n; v != 0 {
			s[c.key] = v
		} else {
			delete(s, c.key)
		}
	}
}

// categoryCodes numbers category codes for the packed keys.
type categoryCodes struct {
	codes []string
	index map[string]uint32
}

func (t *categoryCodes) id(code string) uint32 {
	if i, ok := t.index[code]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i := uint32(len(t.codes))
	t.codes = append(t.codes, code)
	t.index[code] = i
	return i
}

// cellBuilder gathers cells per station from the store's rows.
type cellBuilder struct {
	cats     *categoryCodes
	stations map[int64][]tlCell
}

func (b *cellBuilder) add(r storage.IncidentHour) error {
	if r.Status != report.StatusNew && r.Status != report.StatusVerified {
		return nil
	}
	b.stations[r.StationID] = append(b.stations[r.StationID], tlCell{makeKey(r.Hour, b.cats.id(r.Category), r.Status), int32(r.N)})
	return nil
}

// done sorts each station's cells and merges repeats (a cell may come in pieces).
func (b *cellBuilder) done() map[int64][]tlCell {
	for id, cells := range b.stations {
		slices.SortFunc(cells, func(x, y tlCell) int {
			switch {
			case x.key < y.key:
				return -1
			case x.key > y.key:
				return 1
			}
			return 0
		})
		out := cells[:0]
		for _, c := range cells {
			if len(out) > 0 && out[len(out)-1].key == c.key {
				out[len(out)-1].n += c.n
				continue
			}
			out = append(out, c)
		}
		b.stations[id] = slices.Clip(out)
	}
	return b.stations
}

// hourCount is one cell, copied out of the cache for a page.
type hourCount struct {
	category string
	status   report.Status
	hour     int64 // Unix seconds
	n        int
}

// place is a region or district for the filter form.
type place struct {
	ID         int64
	Code, Name string
}

// electionPlaces is an election's station hierarchy and time zone. It is never
// changed once built: a reload builds a new one.
type electionPlaces struct {
	loc         *time.Location
	byID        map[int64]report.StationMeta
	regions     []place            // by code
	districtsOf map[string][]place // by region code, by code
}

func newElectionPlaces(meta []report.StationMeta, loc *time.Location) *electionPlaces {
	p := &electionPlaces{loc: loc, byID: make(map[int64]report.StationMeta, len(meta)), districtsOf: map[string][]place{}}
	seenR, seenD := map[int64]bool{}, map[int64]bool{}
	for _, m := range meta {
		p.byID[m.ID] = m
		if !seenR[m.RegionID] {
			seenR[m.RegionID] = true
			p.regions = append(p.regions, place{ID: m.RegionID, Code: m.RegionCode, Name: m.RegionName})
		}
		if m.DistrictID != 0 && !seenD[m.DistrictID] {
			seenD[m.DistrictID] = true
			p.districtsOf[m.RegionCode] = append(p.districtsOf[m.RegionCode], place{ID: m.DistrictID, Code: m.DistrictCode, Name: m.DistrictName})
		}
	}
	byCode := func(ps []place) { sort.Slice(ps, func(i, j int) bool { return ps[i].Code < ps[j].Code }) }
	byCode(p.regions)
	for _, ds := range p.districtsOf {
		byCode(ds)
	}
	return p
}

// find returns the ids of a region and district code ("" for none); ok is false
// when a code is unknown.
func (p *electionPlaces) find(region, district string) (regionID, districtID int64, ok bool) {
	if region == "" {
		return 0, 0, district == ""
	}
	for _, r := range p.regions {
		if r.Code == region {
			regionID = r.ID
		}
	}
	if regionID == 0 {
		return 0, 0, false
	}
	if district == "" {
		return regionID, 0, true
	}
	for _, d := range p.districtsOf[region] {
		if d.Code == district {
			return regionID, d.ID, true
		}
	}
	return 0, 0, false
}
