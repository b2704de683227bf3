package report

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
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

// StatsCache keeps every station's counts of an election in memory, with their
// sums by district, region and country, so that a dashboard gets its document
// without reading the database. When its source is also an HourSource it keeps
// the dashboard's incident timeline the same way.
//
// Each election has one refresher goroutine. Invalidate (registered with
// Store.OnCommit) marks the stations a commit changed; the refresher re-reads the
// marked stations and publishes a new immutable snapshot, about once a second
// while anyone has asked for the election in the last two minutes, and at once
// when a request waits. Requests read the published snapshot without a lock.
//
// Document and View answer from the published snapshot when it is younger than
// MaxAge (five seconds) or lacks no mark: under a stream of observers' forms a
// dashboard does not wait for them, and is at most a refresh behind. An older
// snapshot that lacks marks makes the request wake the refresher and wait. A
// change a coordinator must see at once (a status decision, a checklist change)
// is followed by Settle: the next Document or View then waits for a snapshot
// that includes it. Places never waits but for the first load.
//
// A marked station that is new to the election, or whose region, district, code or
// name changed, makes the refresher load the whole election again; so does
// InvalidateElection, which must follow a change of an election's custom
// questions or categories, or of a region's or district's name. Scopes with a
// time window are computed from the database every time.
type StatsCache struct {
	src    TallySource
	hours  HourSource // nil: no timeline
	every  time.Duration
	maxAge time.Duration
	log    *slog.Logger

	mu        sync.Mutex // guards the fields below and each election's marks
	elections map[int64]*electionCache
	owner     map[int64]*electionCache // station → its loaded election
}

// watchWindow is how long after a request an election is kept current in the
// background: longer than the dashboard's own refresh (a minute).
const watchWindow = 2 * time.Minute

type electionCache struct {
	id   int64
	snap atomic.Pointer[statsSnapshot] // nil until first loaded
	wake chan struct{}

	// Guarded by StatsCache.mu.
	dirty     map[int64]struct{} // stations to read again
	unplaced  map[int64]struct{} // stations of no loaded election: perhaps new in this one
	reload    bool
	marked    uint64        // marks made so far: a snapshot covering as many has them all
	settled   uint64        // marks every answer must include (Settle)
	busy      bool          // a refresh is under way
	asked     time.Time     // the last request
	published chan struct{} // closed when the refresher next publishes (or fails)
	err       error         // of the last refresh
}

// NewStatsCache returns an empty cache reading from src. If src is also an
// HourSource, the cache keeps the incident timeline of View too.
func NewStatsCache(src TallySource) *StatsCache {
	c := &StatsCache{
		src:       src,
		every:     time.Second,
		maxAge:    DefaultStatsMaxAge,
		log:       slog.Default(),
		elections: map[int64]*electionCache{},
		owner:     map[int64]*electionCache{},
	}
	c.hours, _ = src.(HourSource)
	return c
}

// DefaultStatsMaxAge is how old a snapshot may be and still answer without
// waiting for the writes it lacks: longer than a refresh under load takes, so
// that a dashboard waits only when the refresher has been idle.
const DefaultStatsMaxAge = 5 * time.Second

// SetMaxAge sets how old a snapshot may be and still answer without waiting for
// the marks it lacks (0: every answer includes every acknowledged write).
func (c *StatsCache) SetMaxAge(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxAge = d
}

// Settle makes the election's next answers include every change marked so far,
// waiting for the refresh that has them (a coordinator sees their own decision).
func (c *StatsCache) Settle(electionID int64) {
	c.mu.Lock()
	e := c.elections[electionID]
	if e != nil {
		e.settled = e.marked
	}
	c.mu.Unlock()
	if e != nil {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
}

// SetLogger sets where refreshes that fail are reported.
func (c *StatsCache) SetLogger(l *slog.Logger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = l
}

// Invalidate marks stations whose data changed. It only records them, so it is
// cheap enough to run in the writer's commit path.
func (c *StatsCache) Invalidate(stations []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range stations {
		if e := c.owner[id]; e != nil {
			e.dirty[id] = struct{}{}
			e.marked++
			continue
		}
		for _, e := range c.elections {
			e.unplaced[id] = struct{}{}
			e.marked++
		}
	}
}

// InvalidateElection makes the election's next snapshot a fresh load.
func (c *StatsCache) InvalidateElection(electionID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.elections[electionID]; e != nil {
		e.reload = true
		e.marked++
		e.settled = e.marked
	}
}

// Document returns the statistics document of the query.
func (c *StatsCache) Document(ctx context.Context, q StatsQuery) (*StatsDocument, error) {
	if q.Window != nil {
		return c.computeFresh(ctx, q)
	}
	s, err := c.snapshot(ctx, q.ElectionID, false)
	if err != nil {
		return nil, err
	}
	doc, _, _, err := s.document(q)
	return doc, err
}

// Places returns an election's regions, districts and time zone as last
// loaded, waiting only when the election has not been loaded yet.
func (c *StatsCache) Places(ctx context.Context, electionID int64) (*StatsPlaces, error) {
	s, err := c.snapshot(ctx, electionID, true)
	if err != nil {
		return nil, err
	}
	return s.places, nil
}

// Preload starts loading an election in the background, so that the first
// request after a restart need not wait for the whole election to be read. It
// does not count as a request: until someone asks, commits are only marked.
func (c *StatsCache) Preload(electionID int64) {
	c.mu.Lock()
	e := c.electionLocked(electionID)
	c.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// electionLocked returns the election's cache, starting its refresher the first
// time. c.mu is held.
func (c *StatsCache) electionLocked(id int64) *electionCache {
	e := c.elections[id]
	if e == nil {
		e = &electionCache{id: id, wake: make(chan struct{}, 1), dirty: map[int64]struct{}{},
			unplaced: map[int64]struct{}{}, reload: true, marked: 1, published: make(chan struct{})}
		c.elections[id] = e
		go c.run(e)
	}
	return e
}

// snapshot returns the election's published snapshot when it may answer (see
// fresh; stale: whenever there is one); otherwise it waits for the refresher to
// publish one that may.
func (c *StatsCache) snapshot(ctx context.Context, electionID int64, stale bool) (*statsSnapshot, error) {
	for {
		c.mu.Lock()
		e := c.electionLocked(electionID)
		if !stale {
			e.asked = time.Now()
		}
		want, settled := e.marked, e.settled
		s := e.snap.Load()
		if s != nil && (stale || c.fresh(e, s, want, settled)) {
			c.mu.Unlock()
			return s, nil
		}
		published := e.published
		c.mu.Unlock()
		select {
		case e.wake <- struct{}{}:
		default: // already woken
		}
		select {
		case <-published:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		c.mu.Lock()
		s, err := e.snap.Load(), e.err
		ok := s != nil && (stale || c.fresh(e, s, want, settled))
		c.mu.Unlock()
		switch {
		case ok:
			return s, nil
		case err != nil:
			return nil, err
		}
		// That refresh began before this request's marks: wait for the next.
	}
}

// fresh says whether e's snapshot s may answer a request made when want marks
// were made and settled had to be included: it has them all, or it lacks only
// observers' writes and is younger than MaxAge or about to be replaced. c.mu is
// held.
func (c *StatsCache) fresh(e *electionCache, s *statsSnapshot, want, settled uint64) bool {
	return s.covers >= want || (c.maxAge > 0 && s.covers >= settled && (e.busy || time.Since(s.taken) < c.maxAge))
}

// run is an election's refresher: it refreshes when a request wakes it, and at
// most about once a second while the election is watched and anything is marked.
// A refresh of its own accord waits twice as long as the last one took (at most
// half of MaxAge), so that under a heavy stream of forms the refresher takes about
// a third of a core from the writes; but the next one always starts before the
// snapshot is MaxAge old, so that a dashboard finds it young or being renewed and
// does not wait (the longer refreshes take under load, the shorter the rest).
func (c *StatsCache) run(e *electionCache) {
	timer := time.NewTimer(c.every)
	defer timer.Stop()
	for {
		select {
		case <-e.wake:
		case <-timer.C:
			c.mu.Lock()
			s := e.snap.Load()
			due := time.Since(e.asked) < watchWindow && (s == nil || s.covers < e.marked)
			c.mu.Unlock()
			if !due {
				timer.Reset(c.every)
				continue
			}
		}
		start := time.Now()
		c.refresh(e)
		took := time.Since(start)
		wait := max(refreshPause*took, c.every-took)
		c.mu.Lock()
		if c.maxAge > 0 {
			// The snapshot just published was taken when this refresh began: the
			// next one must be under way before it is MaxAge old (half a second
			// earlier, for the timer's and the scheduler's delays).
			wait = min(wait, c.maxAge/2, c.maxAge-took-c.every/2)
		}
		c.mu.Unlock()
		timer.Reset(max(wait, 0))
	}
}

// refreshPause is how many times a refresh's own duration the refresher rests
// before the next one it is not asked for.
const refreshPause = 2

// refresh takes the election's marks, reads what they name, and publishes the
// next snapshot. A commit that lands during the reads marks its stations again,
// so a change may be read twice, never lost.
func (c *StatsCache) refresh(e *electionCache) {
	c.mu.Lock()
	prev := e.snap.Load()
	covers := e.marked
	if prev != nil && prev.covers == covers {
		c.mu.Unlock()
		return
	}
	taken := time.Now()
	e.busy = true
	reload := e.reload || prev == nil
	ids := make([]int64, 0, len(e.dirty)+len(e.unplaced))
	for id := range e.dirty {
		ids = append(ids, id)
	}
	for id := range e.unplaced {
		if _, dup := e.dirty[id]; !dup { // each station once: with swaps it in once
			ids = append(ids, id)
		}
	}
	e.reload = false
	clear(e.dirty)
	clear(e.unplaced)
	c.mu.Unlock()

	ctx := context.Background()
	var next *statsSnapshot
	var err error
	if !reload {
		next, reload, err = c.update(ctx, e.id, prev, ids)
	}
	if reload && err == nil {
		next, err = c.load(ctx, e)
	}

	c.mu.Lock()
	if err != nil {
		// Everything taken is taken again by the next refresh.
		e.reload = true
		c.log.Warn("statistics: refresh failed; the next request or tick tries again", "election", e.id, "err", err)
	} else {
		next.covers, next.taken = covers, taken
		e.snap.Store(next)
	}
	e.err = err
	e.busy = false
	close(e.published)
	e.published = make(chan struct{})
	c.mu.Unlock()
}
