package web

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The dashboard's timeline counts incidents by hour. Reading a million incidents
// for every page view would take seconds, so, like report.StatsCache, the counts
// are kept in memory per station with the sums per district, region and country;
// a commit marks its stations dirty and the next view re-reads only those.
// Scopes with a time window are read from the database each time.

// timelineSource reads what the timeline is made from (storage.Store is one).
type timelineSource interface {
	StationsMeta(ctx context.Context, electionID int64) ([]report.StationMeta, error)
	ElectionLocation(ctx context.Context, electionID int64) (*time.Location, error)
	IncidentHours(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow) ([]storage.IncidentHour, error)
}

// hourKey is one cell of the timeline: a category and status in one UTC hour (Unix seconds).
type hourKey struct {
	category string
	status   report.Status
	hour     int64
}

type hourCounts map[hourKey]int

func (h hourCounts) add(o hourCounts, sign int) {
	for k, n := range o {
		if v := h[k] + sign*n; v != 0 {
			h[k] = v
		} else {
			delete(h, k)
		}
	}
}

// hourCount is one cell, copied out of the cache.
type hourCount struct {
	hourKey
	n int
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

type timelineElection struct {
	id int64

	// Guarded by timelineCache.mu: what changed since the last refresh.
	dirty     map[int64]struct{}
	checkMeta bool
	reload    bool

	mu        sync.Mutex // serialises loading, refreshing and reading the sums
	loaded    bool
	places    *electionPlaces
	stations  map[int64]hourCounts
	total     hourCounts
	regions   map[int64]hourCounts
	districts map[int64]hourCounts
}

// timelineCache holds the incident timeline of every election asked for.
type timelineCache struct {
	src timelineSource

	mu        sync.Mutex
	elections map[int64]*timelineElection
	owner     map[int64]*timelineElection
	orphans   map[int64]struct{} // dirty stations of no loaded election (yet)
}

const maxTimelineOrphans = 1 << 16

func newTimelineCache(src timelineSource) *timelineCache {
	return &timelineCache{src: src, elections: map[int64]*timelineElection{},
		owner: map[int64]*timelineElection{}, orphans: map[int64]struct{}{}}
}

// Invalidate marks stations whose incidents changed; it runs in the writer's
// commit path, so it only records them.
func (c *timelineCache) Invalidate(stations []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range stations {
		if e := c.owner[id]; e != nil {
			e.dirty[id] = struct{}{}
			continue
		}
		if len(c.orphans) >= maxTimelineOrphans {
			clear(c.orphans)
			for _, e := range c.elections {
				e.reload = true
			}
		}
		c.orphans[id] = struct{}{}
		for _, e := range c.elections {
			e.checkMeta = true
		}
	}
}

func (c *timelineCache) election(id int64) *timelineElection {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.elections[id]
	if e == nil {
		e = &timelineElection{id: id, dirty: map[int64]struct{}{}}
		c.elections[id] = e
	}
	return e
}

// places returns the election's hierarchy and time zone, up to date.
func (c *timelineCache) places(ctx context.Context, electionID int64) (*electionPlaces, error) {
	e := c.election(electionID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := c.refresh(ctx, e); err != nil {
		return nil, err
	}
	return e.places, nil
}

// counts returns the cells of a scope (codes as the statistics document resolved
// them) with the election's places.
func (c *timelineCache) counts(ctx context.Context, electionID int64, region, district string, window *report.TimeWindow) ([]hourCount, *electionPlaces, error) {
	e := c.election(electionID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := c.refresh(ctx, e); err != nil {
		return nil, nil, err
	}
	p := e.places
	regionID, districtID, ok := p.find(region, district)
	if !ok {
		return nil, p, report.ErrNotFound
	}
	if window != nil {
		out, err := c.fresh(ctx, e, regionID, districtID, window)
		return out, p, err
	}
	sums := e.total
	switch {
	case districtID != 0:
		sums = e.districts[districtID]
	case regionID != 0:
		sums = e.regions[regionID]
	}
	out := make([]hourCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, hourCount{k, n})
	}
	return out, p, nil
}

// fresh reads a windowed scope from the database; e.mu is held.
func (c *timelineCache) fresh(ctx context.Context, e *timelineElection, regionID, districtID int64, window *report.TimeWindow) ([]hourCount, error) {
	var ids []int64
	if regionID != 0 {
		ids = []int64{}
		for id, m := range e.places.byID {
			if m.RegionID == regionID && (districtID == 0 || m.DistrictID == districtID) {
				ids = append(ids, id)
			}
		}
	}
	rows, err := c.src.IncidentHours(ctx, e.id, ids, window)
	if err != nil {
		return nil, err
	}
	sums := hourCounts{}
	for _, r := range rows {
		sums[hourKey{r.Category, r.Status, r.Hour}] += r.N
	}
	out := make([]hourCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, hourCount{k, n})
	}
	return out, nil
}

// refresh brings e up to date; e.mu is held. Marks are taken before the source is
// read, so a commit landing during the read marks its stations again: a change
// may be read twice, never lost.
func (c *timelineCache) refresh(ctx context.Context, e *timelineElection) error {
	c.mu.Lock()
	if e.reload {
		e.loaded, e.reload = false, false
	}
	if !e.loaded {
		clear(e.dirty)
		e.checkMeta = false
	}
	c.mu.Unlock()
	if !e.loaded {
		if err := c.load(ctx, e); err != nil {
			return err
		}
	}

	c.mu.Lock()
	ids := make([]int64, 0, len(e.dirty))
	for id := range e.dirty {
		ids = append(ids, id)
	}
	clear(e.dirty)
	checkMeta := e.checkMeta
	e.checkMeta = false
	c.mu.Unlock()

	if checkMeta {
		added, err := c.reloadPlaces(ctx, e)
		if err != nil {
			c.putBack(e, ids, true)
			return err
		}
		ids = append(ids, added...)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := c.src.IncidentHours(ctx, e.id, ids, nil)
	if err != nil {
		c.putBack(e, ids, false)
		return err
	}
	fresh := groupByStation(rows)
	for _, id := range ids {
		m, ok := e.places.byID[id]
		if !ok {
			continue
		}
		e.swap(m, e.stations[id], fresh[id])
		if fresh[id] == nil {
			delete(e.stations, id)
		} else {
			e.stations[id] = fresh[id]
		}
	}
	return nil
}

func (c *timelineCache) putBack(e *timelineElection, ids []int64, checkMeta bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		e.dirty[id] = struct{}{}
	}
	e.checkMeta = e.checkMeta || checkMeta
}

func groupByStation(rows []storage.IncidentHour) map[int64]hourCounts {
	out := map[int64]hourCounts{}
	for _, r := range rows {
		h := out[r.StationID]
		if h == nil {
			h = hourCounts{}
			out[r.StationID] = h
		}
		h[hourKey{r.Category, r.Status, r.Hour}] += r.N
	}
	return out
}

// load reads a whole election; e.mu is held.
func (c *timelineCache) load(ctx context.Context, e *timelineElection) error {
	meta, err := c.src.StationsMeta(ctx, e.id)
	if err != nil {
		return err
	}
	loc, err := c.src.ElectionLocation(ctx, e.id)
	if err != nil {
		return err
	}
	rows, err := c.src.IncidentHours(ctx, e.id, nil, nil)
	if err != nil {
		return err
	}
	e.places = newElectionPlaces(meta, loc)
	e.stations = groupByStation(rows)
	e.rebuildSums()
	e.loaded = true
	c.adopt(e, meta)
	return nil
}

// reloadPlaces re-reads the station list; it returns stations new to the
// election, whose incidents must be read. e.mu is held.
func (c *timelineCache) reloadPlaces(ctx context.Context, e *timelineElection) ([]int64, error) {
	meta, err := c.src.StationsMeta(ctx, e.id)
	if err != nil {
		return nil, err
	}
	loc, err := c.src.ElectionLocation(ctx, e.id)
	if err != nil {
		return nil, err
	}
	var added []int64
	for _, m := range meta {
		if _, ok := e.places.byID[m.ID]; !ok {
			added = append(added, m.ID)
		}
	}
	e.places = newElectionPlaces(meta, loc)
	// A station may have moved to another district: the sums are rebuilt from the
	// stations' own counts, which stay valid.
	e.rebuildSums()
	c.adopt(e, meta)
	return added, nil
}

func (e *timelineElection) rebuildSums() {
	e.total, e.regions, e.districts = hourCounts{}, map[int64]hourCounts{}, map[int64]hourCounts{}
	for id, h := range e.stations {
		if m, ok := e.places.byID[id]; ok {
			e.swap(m, nil, h)
		}
	}
}

// swap replaces a station's contribution to the sums.
func (e *timelineElection) swap(m report.StationMeta, old, cur hourCounts) {
	sums := []hourCounts{e.total, e.sumsOf(e.regions, m.RegionID)}
	if m.DistrictID != 0 {
		sums = append(sums, e.sumsOf(e.districts, m.DistrictID))
	}
	for _, s := range sums {
		s.add(old, -1)
		s.add(cur, 1)
	}
}

func (e *timelineElection) sumsOf(m map[int64]hourCounts, id int64) hourCounts {
	h := m[id]
	if h == nil {
		h = hourCounts{}
		m[id] = h
	}
	return h
}

// adopt records e as the owner of its stations and claims their orphan marks.
func (c *timelineCache) adopt(e *timelineElection, meta []report.StationMeta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range meta {
		c.owner[m.ID] = e
		if _, ok := c.orphans[m.ID]; ok {
			delete(c.orphans, m.ID)
			e.dirty[m.ID] = struct{}{}
		}
	}
}
