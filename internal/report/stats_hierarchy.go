package report

import "sort"

// hierarchy holds the sums of one election by region and district. The cache
// never changes a hierarchy it has published: hierarchyEdit makes the next one.
type hierarchy struct {
	idx         *stationIndex
	total       *tallyRow
	regions     []*tallyRow // sorted by code
	regionByID  map[int64]*tallyRow
	districts   map[groupKey]*tallyRow // a region's stations without a district: district 0, code ""
	districtsOf map[int64][]*tallyRow  // by region, sorted by code
	stationsOf  map[groupKey][]StationMeta
}

// newHierarchy sums the stations' counts by district, region and country.
func newHierarchy(meta []StationMeta, station func(id int64) (*StationTally, []hourCell, error)) (*hierarchy, error) {
	h := &hierarchy{
		idx:         newStationIndex(meta),
		total:       &tallyRow{level: LevelCountry, tally: &StationTally{}},
		regionByID:  map[int64]*tallyRow{},
		districts:   map[groupKey]*tallyRow{},
		districtsOf: map[int64][]*tallyRow{},
		stationsOf:  map[groupKey][]StationMeta{},
	}
	hours := map[*tallyRow]cellSum{}
	for _, m := range meta {
		r := h.regionByID[m.RegionID]
		if r == nil {
			r = &tallyRow{level: LevelRegion, code: m.RegionCode, name: m.RegionName, tally: &StationTally{}}
			h.regionByID[m.RegionID] = r
			h.regions = append(h.regions, r)
		}
		dk := groupKey{region: m.RegionID, district: m.DistrictID}
		d := h.districts[dk]
		if d == nil {
			d = &tallyRow{level: LevelDistrict, code: m.DistrictCode, name: m.DistrictName, tally: &StationTally{}}
			h.districts[dk] = d
			h.districtsOf[m.RegionID] = append(h.districtsOf[m.RegionID], d)
		}
		h.stationsOf[dk] = append(h.stationsOf[dk], m)
		t, cells, err := station(m.ID)
		if err != nil {
			return nil, err
		}
		for _, row := range []*tallyRow{h.total, r, d} {
			row.stationsTotal++
			row.tally.Add(t)
			if len(cells) > 0 {
				s := hours[row]
				if s == nil {
					s = cellSum{}
					hours[row] = s
				}
				s.add(cells, 1)
			}
		}
	}
	for row, s := range hours {
		row.hours = mergeCells(nil, s)
	}
	sortRowPtrs(h.regions)
	for _, ds := range h.districtsOf {
		sortRowPtrs(ds)
	}
	return h, nil
}

func sortRowPtrs(rows []*tallyRow) {
	sort.Slice(rows, func(i, j int) bool { return codeLess(rows[i].code, rows[j].code) })
}

// rowsOf returns the rows a station counts in: the country, its region and its district.
func (h *hierarchy) rowsOf(m StationMeta) [3]*tallyRow {
	return [3]*tallyRow{h.total, h.regionByID[m.RegionID], h.districts[groupKey{region: m.RegionID, district: m.DistrictID}]}
}

// rows returns the parent row of the scope and its breakdown.
func (h *hierarchy) rows(sc resolvedScope, station func(id int64) (*StationTally, error)) (tallyRow, []tallyRow, error) {
	var parent tallyRow
	var children []tallyRow
	switch sc.level {
	case LevelCountry:
		parent = *h.total
		for _, r := range h.regions {
			children = append(children, *r)
		}
	case LevelRegion:
		parent = *h.regionByID[sc.regionID]
		for _, d := range h.districtsOf[sc.regionID] {
			children = append(children, *d)
		}
	default:
		dk := groupKey{region: sc.regionID, district: sc.districtID}
		parent = *h.districts[dk]
		for _, m := range h.stationsOf[dk] {
			t, err := station(m.ID)
			if err != nil {
				return parent, nil, err
			}
			children = append(children, tallyRow{level: LevelStation, code: m.Code, name: m.Name, tally: t, stationsTotal: 1})
		}
		sortRows(children)
	}
	return parent, children, nil
}
