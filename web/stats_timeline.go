package web

import (
	"context"
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
	EachIncidentHour(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow, fn func(storage.IncidentHour) error) error
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
	cats      categoryCodes
	stations  map[int64][]tlCell
	total     cellSums
	regions   map[int64]cellSums
	districts map[int64]cellSums
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
		out = append(out, hourCount{category: e.cats.codes[k.cat()], status: k.status(), hour: k.hour(), n: int(n)})
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
	type cell struct {
		category string
		status   report.Status
		hour     int64
	}
	sums := map[cell]int{}
	err := c.src.EachIncidentHour(ctx, e.id, ids, window, func(r storage.IncidentHour) error {
		sums[cell{r.Category, r.Status, r.Hour}] += r.N
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]hourCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, hourCount{k.category, k.status, k.hour, n})
	}
	return out, nil
}

// read gathers the cells of the given stations (nil: all); e.mu is held.
func (c *timelineCache) read(ctx context.Context, e *timelineElection, ids []int64) (map[int64][]tlCell, error) {
	b := &cellBuilder{cats: &e.cats, stations: map[int64][]tlCell{}}
	if err := c.src.EachIncidentHour(ctx, e.id, ids, nil, b.add); err != nil {
		return nil, err
	}
	return b.done(), nil
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
	fresh, err := c.read(ctx, e, ids)
	if err != nil {
		c.putBack(e, ids, false)
		return err
	}
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
	e.cats = categoryCodes{}
	stations, err := c.read(ctx, e, nil)
	if err != nil {
		return err
	}
	e.places, e.stations = newElectionPlaces(meta, loc), stations
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
	// stations' own cells, which stay valid.
	e.rebuildSums()
	c.adopt(e, meta)
	return added, nil
}

func (e *timelineElection) rebuildSums() {
	e.total, e.regions, e.districts = cellSums{}, map[int64]cellSums{}, map[int64]cellSums{}
	for id, cells := range e.stations {
		if m, ok := e.places.byID[id]; ok {
			e.swap(m, nil, cells)
		}
	}
}

// swap replaces a station's contribution to the sums.
func (e *timelineElection) swap(m report.StationMeta, old, cur []tlCell) {
	sums := []cellSums{e.total, sumsOf(e.regions, m.RegionID)}
	if m.DistrictID != 0 {
		sums = append(sums, sumsOf(e.districts, m.DistrictID))
	}
	for _, s := range sums {
		s.add(old, -1)
		s.add(cur, 1)
	}
}

func sumsOf(m map[int64]cellSums, id int64) cellSums {
	s := m[id]
	if s == nil {
		s = cellSums{}
		m[id] = s
	}
	return s
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
