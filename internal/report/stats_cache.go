package report

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// TallySource reads what statistics are computed from (storage.Store is one).
type TallySource interface {
	StationsMeta(ctx context.Context, electionID int64) ([]StationMeta, error)
	// StationsMetaByID is StationsMeta for the given stations, leaving out those of
	// other elections.
	StationsMetaByID(ctx context.Context, electionID int64, stationIDs []int64) ([]StationMeta, error)
	StatsSchema(ctx context.Context, electionID int64) (StatsSchema, error)
	// StationTallies returns the tallies of the given stations (nil: all stations
	// with data), each Finished; a station without data may be absent.
	StationTallies(ctx context.Context, electionID int64, stationIDs []int64, window *TimeWindow) (map[int64]*StationTally, error)
}

// StatsCache keeps every station's tally of an election in memory, with the sums
// for each district, region and the country, so a dashboard gets its document
// without reading the database. It loads an election on its first request;
// Invalidate (registered with Store.OnCommit) marks stations dirty, and the next
// request re-reads only those and swaps their contribution into the sums.
// Scopes with a time window are computed from the database every time.
//
// A touched station's place (region, district, code, name) is re-read with its
// counts, and a touched station the cache has never seen is looked for in the
// elections it holds, so imports that Touch what they add or move need nothing
// more. Renaming a region or district, adding stations without touching them, or
// changing an election's custom questions or categories must be followed by
// InvalidateElection.
type StatsCache struct {
	src TallySource

	mu        sync.Mutex // guards the fields below and each election's pending state
	elections map[int64]*cachedElection
	owner     map[int64]*cachedElection // station → its loaded election
	orphans   map[int64]struct{}        // dirty stations no loaded election has (yet)
}

// maxOrphans bounds the memory of stations dirtied in elections nobody has asked for.
const maxOrphans = 1 << 16

type cachedElection struct {
	id int64

	// Guarded by StatsCache.mu: what changed since the last refresh: stations of
	// the election, and stations of no held election that may be new in this one.
	dirty  map[int64]struct{}
	check  []int64
	reload bool

	mu     sync.Mutex // serialises loading, refreshing and reading the sums
	loaded bool
	meta   []StationMeta
	schema StatsSchema
	h      *hierarchy
	// stations holds each station's tally compacted with codes (a station without
	// data has none).
	stations map[int64][]byte
	codes    *codebook
}

// station returns a station's tally (empty when it has no data).
func (e *cachedElection) station(id int64) (*StationTally, error) {
	b := e.stations[id]
	if len(b) == 0 {
		return &StationTally{}, nil
	}
	return e.codes.expand(b)
}

func (e *cachedElection) store(id int64, t *StationTally) {
	if b := e.codes.compact(t); len(b) > 0 {
		e.stations[id] = b
	} else {
		delete(e.stations, id)
	}
}

// NewStatsCache returns an empty cache reading from src.
func NewStatsCache(src TallySource) *StatsCache {
	return &StatsCache{
		src:       src,
		elections: map[int64]*cachedElection{},
		owner:     map[int64]*cachedElection{},
		orphans:   map[int64]struct{}{},
	}
}

// Invalidate marks stations whose data changed. It only records them, so it is
// cheap enough to run in the writer's commit path.
func (c *StatsCache) Invalidate(stations []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range stations {
		if e := c.owner[id]; e != nil {
			e.dirty[id] = struct{}{}
			continue
		}
		if _, known := c.orphans[id]; known {
			// Still unclaimed: it will be when its election's stations are next read.
			continue
		}
		if len(c.orphans) >= maxOrphans {
			clear(c.orphans)
			for _, e := range c.elections {
				e.reload = true
			}
		}
		// A station nobody has: perhaps new in a held election, whose next request
		// looks it up.
		c.orphans[id] = struct{}{}
		for _, e := range c.elections {
			e.check = append(e.check, id)
		}
	}
}

// InvalidateElection drops everything cached for an election: the next request
// loads it again.
func (c *StatsCache) InvalidateElection(electionID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.elections[electionID]; e != nil {
		e.reload = true
	}
}

// Document returns the statistics document of the query.
func (c *StatsCache) Document(ctx context.Context, q StatsQuery) (*StatsDocument, error) {
	if q.Window != nil {
		return c.computeFresh(ctx, q)
	}
	e := c.election(q.ElectionID)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := c.refresh(ctx, e); err != nil {
		return nil, err
	}
	sc, err := e.h.idx.resolve(q)
	if err != nil {
		return nil, err
	}
	parent, children, err := e.h.rows(sc, e.station)
	if err != nil {
		return nil, err
	}
	return buildDocument(q, e.schema, sc, parent, children), nil
}

func (c *StatsCache) election(id int64) *cachedElection {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.elections[id]
	if e == nil {
		e = &cachedElection{id: id, dirty: map[int64]struct{}{}}
		c.elections[id] = e
	}
	return e
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
	var ids []int64
	if sc.level != LevelCountry {
		ids = []int64{}
		for _, m := range meta {
			if sc.contains(m) {
				ids = append(ids, m.ID)
			}
		}
	}
	tallies, err := c.src.StationTallies(ctx, q.ElectionID, ids, q.Window)
	if err != nil {
		return nil, err
	}
	return Compute(q, schema, meta, tallies)
}

// refresh brings e up to date; e.mu is held. Pending marks are taken before the
// source is read, so a commit that lands during the read marks its stations again
// and the next refresh re-reads them: a change can be read twice, never lost.
func (c *StatsCache) refresh(ctx context.Context, e *cachedElection) error {
	c.mu.Lock()
	if e.reload {
		e.loaded, e.reload = false, false
	}
	if !e.loaded {
		clear(e.dirty)
		e.check = nil
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
	check := e.check
	e.check = nil
	c.mu.Unlock()
	if len(ids)+len(check) == 0 {
		return nil
	}

	metas, err := c.src.StationsMetaByID(ctx, e.id, append(append([]int64(nil), ids...), check...))
	if err != nil {
		c.putBack(e, ids, check)
		return fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	if ids, err = c.place(e, metas, ids); err != nil {
		c.InvalidateElection(e.id)
		return err
	}
	fresh, err := c.src.StationTallies(ctx, e.id, ids, nil)
	if err != nil {
		c.putBack(e, ids, nil)
		return fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	for _, id := range ids {
		m, ok := e.h.idx.byID[id]
		if !ok {
			continue
		}
		old, err := e.station(id)
		if err != nil {
			// The sums can no longer be trusted: start again on the next request.
			c.InvalidateElection(e.id)
			return err
		}
		t := fresh[id]
		if t == nil {
			t = &StationTally{}
		}
		e.h.swap(m, old, t)
		e.store(id, t)
	}
	return nil
}

// place updates the places of stations just read (metas): a station moved or
// renamed rebuilds the sums by the new hierarchy, and a station new to the
// election is added to ids, whose counts are read next. e.mu is held.
func (c *StatsCache) place(e *cachedElection, metas []StationMeta, ids []int64) ([]int64, error) {
	changed := false
	for _, m := range metas {
		old, known := e.h.idx.byID[m.ID]
		if !known {
			ids = append(ids, m.ID)
		}
		changed = changed || !known || old != m
	}
	if changed {
		byID := make(map[int64]StationMeta, len(e.meta)+len(metas))
		for _, m := range e.meta {
			byID[m.ID] = m
		}
		for _, m := range metas {
			byID[m.ID] = m
		}
		meta := slices.SortedFunc(maps.Values(byID), func(a, b StationMeta) int { return cmp.Compare(a.ID, b.ID) })
		h, err := newHierarchy(meta, e.station)
		if err != nil {
			return nil, err
		}
		e.meta, e.h = meta, h
	}
	// The counts of the stations found are read after this, so their marks are covered.
	c.adopt(e, metas, false)
	return ids, nil
}

func (c *StatsCache) putBack(e *cachedElection, ids, check []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		e.dirty[id] = struct{}{}
	}
	e.check = append(e.check, check...)
}

// load reads a whole election; e.mu is held.
func (c *StatsCache) load(ctx context.Context, e *cachedElection) error {
	meta, err := c.src.StationsMeta(ctx, e.id)
	if err != nil {
		return err
	}
	schema, err := c.src.StatsSchema(ctx, e.id)
	if err != nil {
		return err
	}
	tallies, err := c.src.StationTallies(ctx, e.id, nil, nil)
	if err != nil {
		return err
	}
	h, err := newHierarchy(meta, func(id int64) (*StationTally, error) { return tallies[id], nil })
	if err != nil {
		return err
	}
	e.meta, e.schema, e.h = meta, schema, h
	e.stations, e.codes = make(map[int64][]byte, len(tallies)), newCodebook()
	for id, t := range tallies {
		e.store(id, t)
	}
	e.loaded = true
	// Marks made while the election was read may be newer than what was read.
	c.adopt(e, meta, true)
	return nil
}

// adopt records e as the owner of stations and claims their orphan marks, as
// dirty marks when the stations' counts may be older than the marks.
func (c *StatsCache) adopt(e *cachedElection, meta []StationMeta, markDirty bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range meta {
		c.owner[m.ID] = e
		if _, ok := c.orphans[m.ID]; ok {
			delete(c.orphans, m.ID)
			if markDirty {
				e.dirty[m.ID] = struct{}{}
			}
		}
	}
}
