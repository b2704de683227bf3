package report

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// A snapshot is one published state of an election in the cache. Nothing in it
// changes once it is published: requests read it without any lock while the
// refresher builds the next one, copying only the rows a refresh changes.
type statsSnapshot struct {
	// covers counts the marks (Invalidate, InvalidateElection) the snapshot
	// includes: every mark made before its refresh took the pending set.
	covers uint64

	schema   StatsSchema
	meta     []StationMeta // by id
	h        *hierarchy
	stations map[int64]stationEntry
	codes    *codebook // a view of the refresher's codebook, capped at publication
	places   *StatsPlaces
	hours    bool // the incident timeline is kept
}

// stationEntry is one station's counts: its tally compacted with the election's
// codes, and its incidents by hour (sorted by key). A station without data has none.
type stationEntry struct {
	tally []byte
	hours []hourCell
}

func (e stationEntry) empty() bool { return len(e.tally) == 0 && len(e.hours) == 0 }

// station returns a station's tally (empty when it has no data).
func (s *statsSnapshot) station(id int64) (*StationTally, error) {
	b := s.stations[id].tally
	if len(b) == 0 {
		return &StationTally{}, nil
	}
	return s.codes.expand(b)
}

// document computes the statistics document of q from the snapshot.
func (s *statsSnapshot) document(q StatsQuery) (*StatsDocument, resolvedScope, []tallyRow, error) {
	sc, err := s.h.idx.resolve(q)
	if err != nil {
		return nil, sc, nil, err
	}
	parent, children, err := s.h.rows(sc, s.station)
	if err != nil {
		return nil, sc, nil, err
	}
	return buildDocument(q, s.schema, sc, parent, children), sc, children, nil
}

// frozen returns a view of cb that later codes cannot change: the refresher may
// append to cb while requests expand tallies with an older view.
func (cb *codebook) frozen() *codebook {
	n := len(cb.codes)
	return &codebook{codes: cb.codes[:n:n]}
}

// The incident timeline counts incidents (new and verified) by category, status
// and UTC hour. A million incidents make about as many cells (station × category
// × status × hour), so a cell is 16 bytes: a packed key and a count.

// hourKey packs a cell: the Unix hour in the high bits, then the category's
// number in the election's codebook, then 1 for verified.
type hourKey uint64

func makeHourKey(hour int64, cat uint64, status Status) hourKey {
	k := uint64(hour/3600)<<24 | (cat&0x7fffff)<<1
	if status == StatusVerified {
		k |= 1
	}
	return hourKey(k)
}

func (k hourKey) hour() int64 { return int64(k>>24) * 3600 }
func (k hourKey) cat() uint64 { return uint64(k>>1) & 0x7fffff }
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

// sortedCells orders cells by key and merges repeats, dropping zeros.
func sortedCells(cells []hourCell) []hourCell {
	slices.SortFunc(cells, func(a, b hourCell) int { return cmp.Compare(a.key, b.key) })
	out := cells[:0]
	for _, c := range cells {
		if len(out) > 0 && out[len(out)-1].key == c.key {
			out[len(out)-1].n += c.n
			continue
		}
		out = append(out, c)
	}
	out = slices.DeleteFunc(out, func(c hourCell) bool { return c.n == 0 })
	return slices.Clip(out)
}

// mergeCells returns base with delta added, as a new slice (base is shared with
// published snapshots).
func mergeCells(base []hourCell, delta cellSum) []hourCell {
	d := make([]hourCell, 0, len(delta))
	for k, n := range delta {
		if n != 0 {
			d = append(d, hourCell{k, n})
		}
	}
	if len(d) == 0 {
		return base
	}
	return sortedCells(append(slices.Clone(base), d...))
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

// hierarchyEdit builds the next snapshot's sums from a published hierarchy: a
// row is copied the first time a station of it changes, and the published rows
// are left as they are.
type hierarchyEdit struct {
	h      *hierarchy
	copies map[*tallyRow]*tallyRow // published row → its copy
	hours  map[*tallyRow]cellSum   // copy → the change to its cells
}

func editHierarchy(h *hierarchy) *hierarchyEdit {
	return &hierarchyEdit{h: h, copies: map[*tallyRow]*tallyRow{}, hours: map[*tallyRow]cellSum{}}
}

func (ed *hierarchyEdit) row(r *tallyRow) *tallyRow {
	if c, ok := ed.copies[r]; ok {
		return c
	}
	c := *r
	c.tally = &StationTally{}
	c.tally.Add(r.tally) // a deep copy: Add makes the maps
	ed.copies[r] = &c
	return &c
}

// swap replaces a station's contribution to the sums.
func (ed *hierarchyEdit) swap(m StationMeta, old, cur stationEntry, oldT, curT *StationTally) {
	for _, r := range ed.h.rowsOf(m) {
		c := ed.row(r)
		c.tally.Sub(oldT)
		c.tally.Add(curT)
		if len(old.hours)+len(cur.hours) == 0 {
			continue
		}
		d := ed.hours[c]
		if d == nil {
			d = cellSum{}
			ed.hours[c] = d
		}
		d.add(old.hours, -1)
		d.add(cur.hours, 1)
	}
}

// done returns the edited hierarchy (h itself when nothing changed).
func (ed *hierarchyEdit) done() *hierarchy {
	if len(ed.copies) == 0 {
		return ed.h
	}
	for c, d := range ed.hours {
		c.hours = mergeCells(c.hours, d)
	}
	sub := func(r *tallyRow) *tallyRow {
		if c, ok := ed.copies[r]; ok {
			return c
		}
		return r
	}
	h := *ed.h
	h.total = sub(h.total)
	h.regions = make([]*tallyRow, len(ed.h.regions))
	for i, r := range ed.h.regions {
		h.regions[i] = sub(r)
	}
	h.regionByID = make(map[int64]*tallyRow, len(ed.h.regionByID))
	for id, r := range ed.h.regionByID {
		h.regionByID[id] = sub(r)
	}
	h.districts = make(map[groupKey]*tallyRow, len(ed.h.districts))
	for k, r := range ed.h.districts {
		h.districts[k] = sub(r)
	}
	h.districtsOf = make(map[int64][]*tallyRow, len(ed.h.districtsOf))
	for id, rs := range ed.h.districtsOf {
		out := make([]*tallyRow, len(rs))
		for i, r := range rs {
			out[i] = sub(r)
		}
		h.districtsOf[id] = out
	}
	return &h
}
