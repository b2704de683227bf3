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

// StatsCache keeps every station's tally of an election in memory, with the sums
// for each district, region and the country, so a dashboard gets its document
// without reading the database. When its source is also an HourSource it keeps
// the dashboard's incident timeline the same way.
//
// Requests never refresh the cache themselves. Each loaded election has at most
// one refresher goroutine: Invalidate (registered with Store.OnCommit) marks the
// stations a commit changed and wakes it; it lets marks gather for a moment
// (refreshSettle), re-reads the marked stations in one batch, and publishes a
// new immutable snapshot of the sums, copying only the rows that changed.
// Requests read the published snapshot without a lock. Keeping up costs a
// re-read of each touched station, so the refresher works in the background
// only while the election is watched (asked for within watchWindow); after
// that, marks wait for the next request, whose refresh then takes them all.
//
// Freshness: Document and View include every write acknowledged before they
// were called (the store marks a commit's stations before it answers the
// writer, and a snapshot includes every mark made before its refresh took the
// marks). When the published snapshot covers every mark, the request is
// answered at once; otherwise it waits — with every other request waiting then,
// never behind one another — for the one refresh that takes those marks: at most
// the rest of the refresh in progress and one more, which starts at once when
// someone waits. Under a stream of commits a request therefore waits for about
// one small refresh (what a settle interval's commits touched), not for the
// stream. Answers never go back in time: snapshots are published in order.
// Places waits for nothing but the first load: regions and districts change
// only with imports.
//
// Scopes with a time window are computed from the database every time.
//
// A touched station's place (region, district, code, name) is re-read with its
// counts, and a touched station the cache has never seen is looked for in the
// elections it holds, so imports that Touch what they add or move need nothing
// more. Renaming a region or district, adding stations without touching them, or
// changing an election's custom questions or categories must be followed by
// InvalidateElection.
type StatsCache struct {
	src    TallySource
	hours  HourSource    // nil: no timeline
	settle time.Duration // how long the refresher lets marks gather when nobody waits
	log    *slog.Logger

	mu        sync.Mutex // guards the fields below and each election's pending state
	elections map[int64]*cachedElection
	owner     map[int64]*cachedElection // station → its loaded election
	orphans   map[int64]struct{}        // dirty stations no loaded election has (yet)
}

// maxOrphans bounds the memory of stations dirtied in elections nobody has asked for.
const maxOrphans = 1 << 16

// watchWindow is how long after a request an election is kept current in the
// background: longer than the dashboard's own refresh (a minute).
const watchWindow = 2 * time.Minute

// refreshSettle is how long a refresher lets commits gather before re-reading
// when no request waits. Short, so that the refresh a request finds in progress
// is small; long enough to bound a stream of commits to forty refreshes a
// second, each a query or three and a copy of the rows it changes.
const refreshSettle = 25 * time.Millisecond

type cachedElection struct {
	id   int64
	snap atomic.Pointer[statsSnapshot] // nil until first loaded

	// Guarded by StatsCache.mu: what changed since the last refresh took its
	// marks — stations of the election, and stations of no held election that
	// may be new in this one — and the refresher's state.
	dirty   map[int64]struct{}
	check   []int64
	reload  bool
	marked  uint64        // marks made so far; a snapshot covering as many has them all
	running bool          // a refresher goroutine is at work
	asked   time.Time     // the last request: the election is watched until watchWindow after it
	next    *refreshRound // what requests waiting for the next refresh wait on
	// The refresh in progress and the marks it took: a request joins it when no
	// mark came since.
	inflight       *refreshRound
	inflightCovers uint64
	wake           chan struct{} // hurries a refresher letting marks settle

	codes *codebook // the refresher's own; snapshots hold frozen views of it
}

// refreshRound is one refresh that requests wait for; done is closed once snap
// (or err) is set.
type refreshRound struct {
	done chan struct{}
	snap *statsSnapshot
	err  error
}

// NewStatsCache returns an empty cache reading from src. If src is also an
// HourSource, the cache keeps the incident timeline of View too.
func NewStatsCache(src TallySource) *StatsCache {
	c := &StatsCache{
		src:       src,
		settle:    refreshSettle,
		log:       slog.Default(),
		elections: map[int64]*cachedElection{},
		owner:     map[int64]*cachedElection{},
		orphans:   map[int64]struct{}{},
	}
	c.hours, _ = src.(HourSource)
	return c
}

// SetLogger sets where refreshes that fail with nobody waiting are reported.
func (c *StatsCache) SetLogger(l *slog.Logger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = l
}

// Invalidate marks stations whose data changed and wakes the refreshers
// concerned. It only records them, so it is cheap enough to run in the writer's
// commit path.
func (c *StatsCache) Invalidate(stations []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range stations {
		if e := c.owner[id]; e != nil {
			e.dirty[id] = struct{}{}
			e.marked++
			c.followLocked(e)
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
				e.marked++
			}
		}
		// A station nobody has: perhaps new in a held election, whose next refresh
		// looks it up (an election being loaded claims it when the load ends).
		c.orphans[id] = struct{}{}
		for _, e := range c.elections {
			e.check = append(e.check, id)
			e.marked++
			c.followLocked(e)
		}
	}
}

// InvalidateElection drops everything cached for an election: the next request
// waits for it to be loaded again.
func (c *StatsCache) InvalidateElection(electionID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.elections[electionID]; e != nil {
		e.reload = true
		e.marked++
		c.followLocked(e)
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
// does not make the election watched: until someone asks for it, commits are
// only marked, and the first request's refresh reads what they touched.
func (c *StatsCache) Preload(electionID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.electionLocked(electionID)
	if e.snap.Load() == nil && e.next == nil {
		// A round nobody waits on: the refresher loads at once, as for a request.
		e.next = &refreshRound{done: make(chan struct{})}
		c.kickLocked(e, true)
	}
}

func (c *StatsCache) electionLocked(id int64) *cachedElection {
	e := c.elections[id]
	if e == nil {
		e = &cachedElection{id: id, dirty: map[int64]struct{}{}, wake: make(chan struct{}, 1)}
		c.elections[id] = e
	}
	return e
}

// snapshot returns the election's published snapshot when it covers every
// mark made so far (or, stale, when there is one); otherwise it waits for the
// refresh that takes every mark made so far.
func (c *StatsCache) snapshot(ctx context.Context, electionID int64, stale bool) (*statsSnapshot, error) {
	c.mu.Lock()
	e := c.electionLocked(electionID)
	e.asked = time.Now()
	if s := e.snap.Load(); s != nil && (stale || s.covers == e.marked) {
		c.mu.Unlock()
		return s, nil
	}
	r := e.inflight
	if r == nil || e.inflightCovers != e.marked {
		if r = e.next; r == nil {
			r = &refreshRound{done: make(chan struct{})}
			e.next = r
		}
		c.kickLocked(e, true)
	}
	c.mu.Unlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		// The refresh goes on for the others, and for this request's next try.
		return nil, ctx.Err()
	}
	return r.snap, r.err
}

// followLocked starts e's refresher after a mark, if e is loaded and watched.
// c.mu is held.
func (c *StatsCache) followLocked(e *cachedElection) {
	if e.snap.Load() != nil && e.watchedLocked() {
		c.kickLocked(e, false)
	}
}

func (e *cachedElection) watchedLocked() bool { return time.Since(e.asked) < watchWindow }

// kickLocked starts e's refresher, or, hurry, wakes it if it is letting marks
// settle. c.mu is held.
func (c *StatsCache) kickLocked(e *cachedElection, hurry bool) {
	if !e.running {
		e.running = true
		go c.run(e)
		return
	}
	if hurry {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
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
