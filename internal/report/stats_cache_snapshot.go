package report

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// A snapshot is one published state of an election in the cache. Nothing in it
// changes once it is published: requests read it without a lock while the
// refresher builds the next one, which shares every station and row that did not
// change.
type statsSnapshot struct {
	// covers counts the marks (Invalidate, InvalidateElection) the snapshot
	// includes: every mark made before its refresh took them.
	covers uint64
	// taken is when its refresh took the marks: it shows the data as of then.
	taken time.Time

	schema   StatsSchema
	layout   *countLayout
	h        *hierarchy
	stations map[int64]stationCounts // stations with data only
	rows     []*sumRow               // indexed as h's rows; rows[0] is the country
	places   *StatsPlaces
}

// stationCounts is one station's tally (laid out by the snapshot's layout) and
// its incidents by hour, sorted by key.
type stationCounts struct {
	counts []int32
	hours  []hourCell
}

// sumRow is the sum over the stations of the country, a region or a district.
type sumRow struct {
	counts []int32
	hours  []hourCell
}

// hierarchy places the stations in the rows of the sums; it changes only when the
// election is loaded again.
type hierarchy struct {
	idx         *stationIndex
	labels      []tallyRow       // each row's level, code, name and stations; no counts
	regionRow   map[int64]int    // by region id
	districtRow map[groupKey]int // a region's stations without a district: district 0, code ""
	regions     []int            // sorted by code
	districtsOf map[int64][]int  // by region, sorted by code
	stationsOf  map[groupKey][]StationMeta
}

func newHierarchy(meta []StationMeta) *hierarchy {
	h := &hierarchy{
		idx:         newStationIndex(meta),
		labels:      []tallyRow{{level: LevelCountry}},
		regionRow:   map[int64]int{},
		districtRow: map[groupKey]int{},
		districtsOf: map[int64][]int{},
		stationsOf:  map[groupKey][]StationMeta{},
	}
	for _, m := range meta {
		r, ok := h.regionRow[m.RegionID]
		if !ok {
			r = len(h.labels)
			h.labels = append(h.labels, tallyRow{level: LevelRegion, code: m.RegionCode, name: m.RegionName})
			h.regionRow[m.RegionID] = r
			h.regions = append(h.regions, r)
		}
		dk := groupKey{region: m.RegionID, district: m.DistrictID}
		d, ok := h.districtRow[dk]
		if !ok {
			d = len(h.labels)
			h.labels = append(h.labels, tallyRow{level: LevelDistrict, code: m.DistrictCode, name: m.DistrictName})
			h.districtRow[dk] = d
			h.districtsOf[m.RegionID] = append(h.districtsOf[m.RegionID], d)
		}
		h.stationsOf[dk] = append(h.stationsOf[dk], m)
		for _, i := range h.rowsOf(m) {
			h.labels[i].stationsTotal++
		}
	}
	byCode := func(rows []int) {
		sort.Slice(rows, func(i, j int) bool { return codeLess(h.labels[rows[i]].code, h.labels[rows[j]].code) })
	}
	byCode(h.regions)
	for _, ds := range h.districtsOf {
		byCode(ds)
	}
	return h
}

// rowsOf returns the rows a station counts in: the country, its region and its district.
func (h *hierarchy) rowsOf(m StationMeta) [3]int {
	return [3]int{0, h.regionRow[m.RegionID], h.districtRow[groupKey{region: m.RegionID, district: m.DistrictID}]}
}

// newSnapshot sums the stations' counts by district, region and country.
func newSnapshot(schema StatsSchema, layout *countLayout, meta []StationMeta, stations map[int64]stationCounts, loc *time.Location) *statsSnapshot {
	s := &statsSnapshot{schema: schema, layout: layout, h: newHierarchy(meta), stations: stations, places: newStatsPlaces(meta, loc)}
	s.rows = make([]*sumRow, len(s.h.labels))
	hours := make([]cellSum, len(s.rows))
	for i := range s.rows {
		s.rows[i] = &sumRow{counts: make([]int32, layout.size)}
		hours[i] = cellSum{}
	}
	for _, m := range meta {
		sc, ok := stations[m.ID]
		if !ok {
			continue
		}
		for _, i := range s.h.rowsOf(m) {
			addCounts(s.rows[i].counts, sc.counts, 1)
			hours[i].add(sc.hours, 1)
		}
	}
	for i, r := range s.rows {
		r.hours = mergeCells(nil, hours[i])
	}
	return s
}

// with returns the snapshot after s with the given stations' counts replaced
// (a station absent from changed has no data now). Only the rows those stations
// count in are copied.
func (s *statsSnapshot) with(ids []int64, changed map[int64]stationCounts) *statsSnapshot {
	next := *s
	next.stations = make(map[int64]stationCounts, len(s.stations)+len(changed))
	for id, sc := range s.stations {
		next.stations[id] = sc
	}
	next.rows = slices.Clone(s.rows)
	copied := map[int]cellSum{}
	for _, id := range ids {
		m, ok := s.h.idx.byID[id]
		if !ok {
			continue
		}
		old, cur := s.stations[id], changed[id]
		for _, i := range s.h.rowsOf(m) {
			d, ok := copied[i]
			if !ok {
				next.rows[i] = &sumRow{counts: slices.Clone(s.rows[i].counts), hours: s.rows[i].hours}
				d = cellSum{}
				copied[i] = d
			}
			if old.counts != nil {
				addCounts(next.rows[i].counts, old.counts, -1)
			}
			if cur.counts != nil {
				addCounts(next.rows[i].counts, cur.counts, 1)
			}
			d.add(old.hours, -1)
			d.add(cur.hours, 1)
		}
		if cur.counts == nil && len(cur.hours) == 0 {
			delete(next.stations, id)
		} else {
			next.stations[id] = cur
		}
	}
	for i, d := range copied {
		next.rows[i].hours = mergeCells(next.rows[i].hours, d)
	}
	return &next
}

// row returns row i with its tally, for a document.
func (s *statsSnapshot) row(i int) tallyRow {
	r := s.h.labels[i]
	r.tally, r.hours = s.layout.tally(s.rows[i].counts), s.rows[i].hours
	return r
}

// document computes the statistics document of q from the snapshot.
func (s *statsSnapshot) document(q StatsQuery) (*StatsDocument, resolvedScope, []tallyRow, error) {
	sc, err := s.h.idx.resolve(q)
	if err != nil {
		return nil, sc, nil, err
	}
	var parent tallyRow
	var children []tallyRow
	switch sc.level {
	case LevelCountry:
		parent = s.row(0)
		for _, i := range s.h.regions {
			children = append(children, s.row(i))
		}
	case LevelRegion:
		parent = s.row(s.h.regionRow[sc.regionID])
		for _, i := range s.h.districtsOf[sc.regionID] {
			children = append(children, s.row(i))
		}
	default:
		dk := groupKey{region: sc.regionID, district: sc.districtID}
		parent = s.row(s.h.districtRow[dk])
		for _, m := range s.h.stationsOf[dk] {
			st := s.stations[m.ID]
			children = append(children, tallyRow{level: LevelStation, code: m.Code, name: m.Name,
				tally: s.layout.tally(st.counts), stationsTotal: 1, hours: st.hours})
		}
		sortRows(children)
	}
	return buildDocument(q, s.schema, sc, parent, children), sc, children, nil
}

// The incident timeline counts incidents (new and verified) by category, status
// and UTC hour. A million incidents make about as many cells (station × category
// × status × hour), so a cell is 16 bytes: a packed key and a count.

// hourKey packs a cell: the Unix hour in the high bits, then the category's
// number in the election's layout, then 1 for verified.
type hourKey uint64

func makeHourKey(hour int64, cat int, status Status) hourKey {
	k := uint64(hour/3600)<<24 | (uint64(cat)&0x7fffff)<<1
	if status == StatusVerified {
		k |= 1
	}
	return hourKey(k)
}

func (k hourKey) hour() int64 { return int64(k>>24) * 3600 }
func (k hourKey) cat() int    { return int(k>>1) & 0x7fffff }
func (k hourKey) status() Status {
	if k&1 == 1 {
		return StatusVerified
	}
	return StatusNew
}

type hourCell struct {
	key hourKey
	n   int32
}

// cellSum adds up cells of many stations.
type cellSum map[hourKey]int32

func (s cellSum) add(cells []hourCell, sign int32) {
	for _, c := range cells {
		s[c.key] += sign * c.n
	}
}

// mergeCells returns base with delta added, as a new slice sorted by key without
// zeros (base is shared with published snapshots).
func mergeCells(base []hourCell, delta cellSum) []hourCell {
	if len(delta) == 0 {
		return base
	}
	sum := cellSum{}
	sum.add(base, 1)
	for k, n := range delta {
		sum[k] += n
	}
	out := make([]hourCell, 0, len(sum))
	for k, n := range sum {
		if n != 0 {
			out = append(out, hourCell{k, n})
		}
	}
	slices.SortFunc(out, func(a, b hourCell) int { return cmp.Compare(a.key, b.key) })
	return out
}

// StatsPlace is a region or district, for choosing a scope.
type StatsPlace struct {
	ID         int64
	Code, Name string
}

// StatsPlaces is an election's regions and districts and its time zone. It is
// never changed once built.
type StatsPlaces struct {
	// Location is the time zone most stations keep (UTC when the source does not say).
	Location    *time.Location
	Regions     []StatsPlace            // by code
	DistrictsOf map[string][]StatsPlace // by region code, by code
}

func newStatsPlaces(meta []StationMeta, loc *time.Location) *StatsPlaces {
	if loc == nil {
		loc = time.UTC
	}
	p := &StatsPlaces{Location: loc, DistrictsOf: map[string][]StatsPlace{}}
	seenR, seenD := map[int64]bool{}, map[int64]bool{}
	for _, m := range meta {
		if !seenR[m.RegionID] {
			seenR[m.RegionID] = true
			p.Regions = append(p.Regions, StatsPlace{ID: m.RegionID, Code: m.RegionCode, Name: m.RegionName})
		}
		if m.DistrictID != 0 && !seenD[m.DistrictID] {
			seenD[m.DistrictID] = true
			p.DistrictsOf[m.RegionCode] = append(p.DistrictsOf[m.RegionCode], StatsPlace{ID: m.DistrictID, Code: m.DistrictCode, Name: m.DistrictName})
		}
	}
	byCode := func(ps []StatsPlace) { sort.Slice(ps, func(i, j int) bool { return ps[i].Code < ps[j].Code }) }
	byCode(p.Regions)
	for _, ds := range p.DistrictsOf {
		byCode(ds)
	}
	return p
}
