package report

import (
	"errors"
	"fmt"
	"sort"
)

// ErrScope is returned for a statistics scope that cannot be resolved (a district
// code found in several regions with no region given). Unknown codes give ErrNotFound.
var ErrScope = errors.New("invalid statistics scope")

// StatsQuery is the scope of a statistics document (statistics.md, "Units").
type StatsQuery struct {
	ElectionID int64
	Election   string // code, written into the document
	Region     string // region code; "" for the whole country
	District   string // district code; "" for the whole region
	Status     StatusFilter
	Window     *TimeWindow
	// SmallNThreshold is the denominator below which shares are small_n (0: DefaultSmallN).
	SmallNThreshold int
}

func (q StatsQuery) threshold() int {
	if q.SmallNThreshold <= 0 {
		return DefaultSmallN
	}
	return q.SmallNThreshold
}

// StationMeta places a station in the hierarchy, for scopes and breakdowns.
type StationMeta struct {
	ID           int64
	Code         string
	Name         string
	RegionID     int64
	RegionCode   string
	RegionName   string
	DistrictID   int64 // 0 when the station has no district
	DistrictCode string
	DistrictName string
}

// Compute sums the tallies of the stations in the query's scope and computes the
// statistics document, with the breakdown by the next level. tallies may lack
// stations without data. It is the path for any scope; StatsCache gives the same
// result faster for scopes without a time window.
func Compute(q StatsQuery, schema StatsSchema, stations []StationMeta, tallies map[int64]*StationTally) (*StatsDocument, error) {
	idx := newStationIndex(stations)
	sc, err := idx.resolve(q)
	if err != nil {
		return nil, err
	}
	parent := tallyRow{level: sc.level, code: sc.code, name: sc.name, tally: &StationTally{}}
	groups := map[groupKey]*tallyRow{}
	for _, m := range stations {
		if !sc.contains(m) {
			continue
		}
		t := tallies[m.ID]
		parent.tally.Add(t)
		parent.stationsTotal++
		k := sc.childKey(m)
		g := groups[k]
		if g == nil {
			g = &tallyRow{tally: &StationTally{}}
			g.level, g.code, g.name = sc.childLabel(m)
			groups[k] = g
		}
		g.tally.Add(t)
		g.stationsTotal++
	}
	children := make([]tallyRow, 0, len(groups))
	for _, g := range groups {
		children = append(children, *g)
	}
	sortRows(children)
	return buildDocument(q, schema, sc, parent, children), nil
}

// stationIndex is the station hierarchy of one election.
type stationIndex struct {
	byID    map[int64]StationMeta
	regions map[string]StationMeta // by region code: any station of it, for the names
	// districts by code: one entry per region holding a district of that code.
	districts map[string][]StationMeta
}

func newStationIndex(stations []StationMeta) *stationIndex {
	idx := &stationIndex{
		byID:      make(map[int64]StationMeta, len(stations)),
		regions:   map[string]StationMeta{},
		districts: map[string][]StationMeta{},
	}
	for _, m := range stations {
		idx.byID[m.ID] = m
		if _, ok := idx.regions[m.RegionCode]; !ok {
			idx.regions[m.RegionCode] = m
		}
		if m.DistrictID == 0 {
			continue
		}
		seen := false
		for _, d := range idx.districts[m.DistrictCode] {
			seen = seen || d.DistrictID == m.DistrictID
		}
		if !seen {
			idx.districts[m.DistrictCode] = append(idx.districts[m.DistrictCode], m)
		}
	}
	return idx
}

// resolvedScope is a query's scope located in the hierarchy.
type resolvedScope struct {
	level, code, name string // the parent row
	regionID          int64
	districtID        int64
	region, district  *string // codes, for the document's scope
}

func (idx *stationIndex) resolve(q StatsQuery) (resolvedScope, error) {
	sc := resolvedScope{level: LevelCountry}
	if q.Region != "" {
		m, ok := idx.regions[q.Region]
		if !ok {
			return sc, fmt.Errorf("report: region %q: %w", q.Region, ErrNotFound)
		}
		sc.level, sc.code, sc.name, sc.regionID = LevelRegion, m.RegionCode, m.RegionName, m.RegionID
	}
	if q.District != "" {
		var found []StationMeta
		for _, m := range idx.districts[q.District] {
			if sc.regionID == 0 || m.RegionID == sc.regionID {
				found = append(found, m)
			}
		}
		switch {
		case len(found) == 0:
			return sc, fmt.Errorf("report: district %q: %w", q.District, ErrNotFound)
		case len(found) > 1:
			return sc, fmt.Errorf("report: district %q is in several regions, give the region too: %w", q.District, ErrScope)
		}
		m := found[0]
		sc.regionID = m.RegionID
		sc.level, sc.code, sc.name, sc.districtID = LevelDistrict, m.DistrictCode, m.DistrictName, m.DistrictID
		region := m.RegionCode
		sc.region = &region
		district := m.DistrictCode
		sc.district = &district
	} else if sc.regionID != 0 {
		region := sc.code
		sc.region = &region
	}
	return sc, nil
}

func (sc resolvedScope) contains(m StationMeta) bool {
	if sc.districtID != 0 {
		return m.DistrictID == sc.districtID
	}
	return sc.regionID == 0 || m.RegionID == sc.regionID
}

// groupKey identifies a breakdown row: a region, a district (0 for the stations of
// a region without one) or a station.
type groupKey struct{ region, district, station int64 }

func (sc resolvedScope) childKey(m StationMeta) groupKey {
	switch sc.level {
	case LevelCountry:
		return groupKey{region: m.RegionID}
	case LevelRegion:
		return groupKey{region: m.RegionID, district: m.DistrictID}
	}
	return groupKey{station: m.ID}
}

func (sc resolvedScope) childLabel(m StationMeta) (level, code, name string) {
	switch sc.level {
	case LevelCountry:
		return LevelRegion, m.RegionCode, m.RegionName
	case LevelRegion:
		return LevelDistrict, m.DistrictCode, m.DistrictName
	}
	return LevelStation, m.Code, m.Name
}

// tallyRow is one row of the document before the shares are computed.
type tallyRow struct {
	level, code, name string
	tally             *StationTally
	stationsTotal     int
	hours             []hourCell // the incident timeline's cells (cache rows only), by key
}

// sortRows orders breakdown rows by code; a row without a code (stations without a
// district) goes last.
func sortRows(rows []tallyRow) {
	sort.Slice(rows, func(i, j int) bool { return codeLess(rows[i].code, rows[j].code) })
}

func codeLess(a, b string) bool {
	if (a == "") != (b == "") {
		return b == ""
	}
	return a < b
}

func buildDocument(q StatsQuery, schema StatsSchema, sc resolvedScope, parent tallyRow, children []tallyRow) *StatsDocument {
	th := q.threshold()
	doc := &StatsDocument{
		Election:        q.Election,
		Scope:           StatsScopeDoc{Region: sc.region, District: sc.district, Status: q.Status.Statuses()},
		SmallNThreshold: th,
		Breakdown:       make([]BreakdownRow, 0, 1+len(children)),
	}
	if q.Window != nil {
		if q.Window.From != nil {
			from := q.Window.From.UTC()
			doc.Scope.From = &from
		}
		if q.Window.To != nil {
			to := q.Window.To.UTC()
			doc.Scope.To = &to
		}
	}
	doc.Phases = phaseSet(parent, schema, q.Status, th)
	doc.Breakdown = append(doc.Breakdown, BreakdownRow{Level: parent.level, Code: parent.code, Name: parent.name, Phases: doc.Phases})
	for _, r := range children {
		doc.Breakdown = append(doc.Breakdown, BreakdownRow{Level: r.level, Code: r.code, Name: r.name,
			Phases: phaseSet(r, schema, q.Status, th)})
	}
	return doc
}

func phaseSet(r tallyRow, schema StatsSchema, f StatusFilter, th int) PhaseStatsSet {
	var set PhaseStatsSet
	for i, p := range Phases {
		set.set(p, phaseStats(&r.tally.Phases[i], r.stationsTotal, schema.Checklist(p), schema.Categories, f, th))
	}
	return set
}

func phaseStats(pt *PhaseTally, stationsTotal int, cl Checklist, cats []Category, f StatusFilter, th int) *PhaseStats {
	ps := &PhaseStats{
		Observations:  pt.Observations,
		Stations:      pt.Stations,
		StationsTotal: stationsTotal,
		Questions:     make(map[string]QuestionStats, len(cl.Questions)),
		Categories:    make(map[string]CategoryStats, len(cats)),
	}
	if stationsTotal > 0 {
		p := PctTenths(pt.Stations, stationsTotal)
		ps.PctStations = &p
	}

	a := &ps.Assessment
	a.VeryGood, a.Good, a.Bad, a.VeryBad = pt.Assessments[0], pt.Assessments[1], pt.Assessments[2], pt.Assessments[3]
	a.N = a.VeryGood + a.Good + a.Bad + a.VeryBad
	a.Negative = a.Bad + a.VeryBad
	s := newShare(a.Negative, a.N, th)
	a.PctNegative, a.CI95, a.SmallN = s.pct, s.ci, s.smallN

	for _, q := range cl.Questions {
		at := pt.Questions[q.Code]
		qs := QuestionStats{Parent: q.Parent, Yes: at.Yes, No: at.No, NA: at.NA, Unanswered: at.Unanswered,
			N: at.Yes + at.No, Inconsistent: at.Inconsistent}
		s := newShare(qs.Yes, qs.N, th)
		qs.PctYes, qs.CI95, qs.SmallN = s.pct, s.ci, s.smallN
		ps.Questions[q.Code] = qs
	}

	listed := make(map[string]bool, len(cats))
	for _, c := range cats {
		listed[c.Code] = true
		ct := pt.Categories[c.Code]
		// A retired category stays out of the document unless incidents of it are in scope.
		if c.Retired && ct.incidents(f) == 0 && ct.ObservationsWith[f] == 0 {
			continue
		}
		ps.Categories[c.Code] = categoryStats(ct, pt.Observations, f, th)
	}
	// A category no longer in the schema still shows the incidents filed under it.
	for code, ct := range pt.Categories {
		if !listed[code] && (ct.incidents(f) > 0 || ct.ObservationsWith[f] > 0) {
			ps.Categories[code] = categoryStats(ct, pt.Observations, f, th)
		}
	}

	if cl.Phase == PhaseCounting {
		ps.ProtocolChecks = make(map[string]CheckStats, len(ProtocolCheckCodes))
		for i, code := range ProtocolCheckCodes {
			c := pt.Checks[i]
			s := newShare(c.Flagged, c.N, th)
			ps.ProtocolChecks[code] = CheckStats{Flagged: c.Flagged, N: c.N, Pct: s.pct, CI95: s.ci, SmallN: s.smallN}
		}
		ps.NotRecorded = make(map[string]int, len(RecordedFigures))
		for i, fig := range RecordedFigures {
			ps.NotRecorded[fig] = pt.NotRecorded[i]
		}
	}
	return ps
}

func categoryStats(ct CategoryTally, n int, f StatusFilter, th int) CategoryStats {
	cs := CategoryStats{Incidents: ct.incidents(f), Stations: ct.Stations[f], ObservationsWith: ct.ObservationsWith[f], N: n}
	s := newShare(cs.ObservationsWith, n, th)
	cs.Pct, cs.CI95, cs.SmallN = s.pct, s.ci, s.smallN
	return cs
}
