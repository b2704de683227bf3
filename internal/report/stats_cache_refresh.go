package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// run is an election's refresher. It refreshes while anything is pending and
// someone waits or watches, and ends when not, or when a refresh fails with
// nobody waiting (the next mark or request starts it again, so a failing
// database is not retried in a loop).
func (c *StatsCache) run(e *cachedElection) {
	for {
		c.mu.Lock()
		pending := len(e.dirty) > 0 || len(e.check) > 0 || e.reload
		if e.next == nil && (!pending || !e.watchedLocked()) {
			e.running = false
			c.mu.Unlock()
			return
		}
		urgent := e.next != nil
		c.mu.Unlock()
		if !urgent && c.settle > 0 {
			t := time.NewTimer(c.settle)
			select {
			case <-t.C:
			case <-e.wake:
			}
			t.Stop()
		}
		err := c.refresh(e)
		if err == nil {
			continue
		}
		c.mu.Lock()
		if e.next == nil {
			e.running = false
			log := c.log
			c.mu.Unlock()
			log.Warn("statistics: refresh failed; the next commit or request tries again", "election", e.id, "err", err)
			return
		}
		c.mu.Unlock()
	}
}

// errResync says the cached sums can no longer be trusted: the election is loaded again.
var errResync = errors.New("report: statistics cache out of step")

// refresh takes the pending marks, reads what they name, and publishes the
// next snapshot; the requests waiting on the round it takes get that snapshot.
// A commit that lands during the reads marks its stations again, so a change
// may be read twice, never lost.
func (c *StatsCache) refresh(e *cachedElection) error {
	c.mu.Lock()
	select {
	case <-e.wake: // this refresh serves whoever sent it
	default:
	}
	round := e.next
	if round == nil {
		round = &refreshRound{done: make(chan struct{})}
	}
	e.next = nil
	prev := e.snap.Load()
	reload := e.reload || prev == nil
	e.reload = false
	covers := e.marked
	e.inflight, e.inflightCovers = round, covers
	var ids, check []int64
	if reload {
		// The load reads everything; marks made from now on are newer than it.
		clear(e.dirty)
		e.check = nil
	} else {
		ids = make([]int64, 0, len(e.dirty))
		for id := range e.dirty {
			ids = append(ids, id)
		}
		clear(e.dirty)
		check, e.check = e.check, nil
	}
	c.mu.Unlock()

	ctx := context.Background()
	var s *statsSnapshot
	var err error
	if reload {
		s, err = c.load(ctx, e)
	} else {
		s, err = c.update(ctx, e, prev, ids, check)
	}
	if err == nil {
		s.covers = covers
		e.snap.Store(s)
	}
	round.snap, round.err = s, err
	c.mu.Lock()
	e.inflight = nil
	if err != nil {
		if reload || errors.Is(err, errResync) {
			e.reload = true
		} else {
			for _, id := range ids {
				e.dirty[id] = struct{}{}
			}
			e.check = append(e.check, check...)
		}
	}
	c.mu.Unlock()
	close(round.done)
	return err
}

// update builds the snapshot after prev with the marked stations read again.
func (c *StatsCache) update(ctx context.Context, e *cachedElection, prev *statsSnapshot, ids, check []int64) (*statsSnapshot, error) {
	next := *prev
	if len(ids)+len(check) == 0 {
		return &next, nil
	}
	metas, err := c.src.StationsMetaByID(ctx, e.id, append(slices.Clone(ids), check...))
	if err != nil {
		return nil, fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	if ids, err = c.place(ctx, e, &next, metas, ids); err != nil {
		return nil, err
	}
	tallies, cells, err := c.read(ctx, e.id, ids, e.codes)
	if err != nil {
		return nil, fmt.Errorf("report: unable to refresh statistics: %w", err)
	}
	next.stations = maps.Clone(prev.stations)
	ed := editHierarchy(next.h)
	for _, id := range ids {
		m, ok := next.h.idx.byID[id]
		if !ok {
			continue
		}
		old := prev.stations[id]
		oldT := &StationTally{}
		if len(old.tally) > 0 {
			if oldT, err = e.codes.expand(old.tally); err != nil {
				return nil, fmt.Errorf("%w: %w", errResync, err)
			}
		}
		curT := tallies[id]
		if curT == nil {
			curT = &StationTally{}
		}
		cur := stationEntry{tally: e.codes.compact(curT), hours: cells[id]}
		ed.swap(m, old, cur, oldT, curT)
		if cur.empty() {
			delete(next.stations, id)
		} else {
			next.stations[id] = cur
		}
	}
	next.h, next.codes = ed.done(), e.codes.frozen()
	return &next, nil
}

// place updates next with the places of stations just read (metas): a station
// moved or renamed rebuilds the sums by the new hierarchy, and a station new to
// the election is added to ids, whose counts are read next.
func (c *StatsCache) place(ctx context.Context, e *cachedElection, next *statsSnapshot, metas []StationMeta, ids []int64) ([]int64, error) {
	changed := false
	for _, m := range metas {
		old, known := next.h.idx.byID[m.ID]
		if !known {
			ids = append(ids, m.ID)
		}
		changed = changed || !known || old != m
	}
	if changed {
		byID := make(map[int64]StationMeta, len(next.meta)+len(metas))
		for _, m := range next.meta {
			byID[m.ID] = m
		}
		for _, m := range metas {
			byID[m.ID] = m
		}
		next.meta = slices.SortedFunc(maps.Values(byID), func(a, b StationMeta) int { return cmp.Compare(a.ID, b.ID) })
		// The stations' counts so far, in their new places; what changed is swapped in after.
		h, err := newHierarchy(next.meta, func(id int64) (*StationTally, []hourCell, error) {
			t, err := next.station(id)
			return t, next.stations[id].hours, err
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errResync, err)
		}
		loc := next.places.Location
		if c.hours != nil {
			if loc, err = c.hours.ElectionLocation(ctx, e.id); err != nil {
				return nil, fmt.Errorf("report: unable to refresh statistics: %w", err)
			}
		}
		next.h, next.places = h, newStatsPlaces(next.meta, loc)
	}
	// The counts of the stations found are read after this, so their marks are covered.
	c.adopt(e, metas, false)
	return ids, nil
}

// load reads a whole election into a new snapshot, with a new codebook.
func (c *StatsCache) load(ctx context.Context, e *cachedElection) (*statsSnapshot, error) {
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
	codes := newCodebook()
	tallies, cells, err := c.read(ctx, e.id, nil, codes)
	if err != nil {
		return nil, err
	}
	h, err := newHierarchy(meta, func(id int64) (*StationTally, []hourCell, error) { return tallies[id], cells[id], nil })
	if err != nil {
		return nil, err
	}
	stations := make(map[int64]stationEntry, len(tallies))
	for id, t := range tallies {
		if en := (stationEntry{tally: codes.compact(t), hours: cells[id]}); !en.empty() {
			stations[id] = en
		}
	}
	for id, cs := range cells {
		if _, ok := tallies[id]; !ok && len(cs) > 0 {
			stations[id] = stationEntry{hours: cs}
		}
	}
	e.codes = codes
	// Marks made while the election was read may be newer than what was read.
	c.adopt(e, meta, true)
	return &statsSnapshot{schema: schema, meta: meta, h: h, stations: stations, codes: codes.frozen(),
		places: newStatsPlaces(meta, loc), hours: c.hours != nil}, nil
}

// read reads the tallies and, when the cache keeps the timeline, the incidents by
// hour of the given stations (nil: all). The reads run side by side, and a long
// list of stations is read in up to maxReadParts parts: on processors busy with
// writes the refresh then gets a larger share of them, and the requests waiting
// for it wait less (measured in the load test: half as long).
func (c *StatsCache) read(ctx context.Context, electionID int64, ids []int64, codes *codebook) (map[int64]*StationTally, map[int64][]hourCell, error) {
	parts := [][]int64{ids}
	if n := min(maxReadParts, len(ids)/minReadPart); n > 1 {
		parts = make([][]int64, n)
		for i := range n {
			parts[i] = ids[i*len(ids)/n : (i+1)*len(ids)/n]
		}
	}
	tallies := make([]map[int64]*StationTally, len(parts))
	errs := make([]error, len(parts)+1)
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tallies[i], errs[i] = c.src.StationTallies(ctx, electionID, part, nil)
		}()
	}
	var cells map[int64][]hourCell
	if c.hours != nil {
		cells, errs[len(parts)] = readHours(ctx, c.hours, electionID, ids, nil, codes)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	for _, t := range tallies[1:] {
		maps.Copy(tallies[0], t)
	}
	return tallies[0], cells, nil
}

// minReadPart is the fewest stations worth a read of their own, and
// maxReadParts the most reads of one refresh (with the timeline's, five of the
// store's eight read connections, each for a few tens of milliseconds).
const (
	minReadPart  = 12
	maxReadParts = 4
)

// readHours reads incidents by hour into cells per station, numbering categories in codes.
func readHours(ctx context.Context, src HourSource, electionID int64, ids []int64, window *TimeWindow, codes *codebook) (map[int64][]hourCell, error) {
	cells := map[int64][]hourCell{}
	if ids != nil && len(ids) == 0 {
		return cells, nil
	}
	err := src.IncidentHours(ctx, electionID, ids, window, func(station int64, h HourCount) error {
		if h.Status == StatusNew || h.Status == StatusVerified {
			cells[station] = append(cells[station], hourCell{makeHourKey(h.Hour, codes.id(h.Category), h.Status), int32(h.N)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, cs := range cells {
		cells[id] = sortedCells(cs)
	}
	return cells, nil
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
