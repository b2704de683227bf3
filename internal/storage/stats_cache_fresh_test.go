package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// How fresh the statistics cache's answers are (report.StatsCache). With no
// MaxAge every acknowledged write is in the next answer; with the default one a
// request answers from a young snapshot at once, and waits only for what
// Settle names or when the snapshot is old. A request never refreshes the cache
// itself, it waits for the refresher, and answers at once when nothing changed.

// gatedSource is the store with a gate on the cache's refreshes: a read of
// given stations (a refresh, not a load) announces itself and waits for open.
type gatedSource struct {
	*Store
	tallies atomic.Int64 // StationTallies calls
	mu      sync.Mutex
	entered chan struct{} // nil: no gate
	open    chan struct{}
}

func (g *gatedSource) StationTallies(ctx context.Context, electionID int64, ids []int64, w *report.TimeWindow) (map[int64]*report.StationTally, error) {
	g.tallies.Add(1)
	g.mu.Lock()
	entered, open := g.entered, g.open
	g.mu.Unlock()
	if ids != nil && entered != nil {
		entered <- struct{}{}
		<-open
	}
	return g.Store.StationTallies(ctx, electionID, ids, w)
}

// gate makes the next refresh wait; it returns when the refresh is waiting, and
// the function it returns lets it go on.
func (g *gatedSource) gate() (waiting <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	entered, open := make(chan struct{}, 1), make(chan struct{})
	g.entered, g.open = entered, open
	return entered, func() {
		g.mu.Lock()
		g.entered = nil
		g.mu.Unlock()
		close(open)
	}
}

func (f *statsFixture) votingIncidents(doc *report.StatsDocument, code string) int {
	for _, r := range doc.Breakdown {
		if r.Code == code {
			return r.Phases.Voting.Categories["ballot_stuffing"].Incidents
		}
	}
	f.t.Fatalf("no row %q", code)
	return 0
}

func TestStatsCacheRequestsWaitForTheRefresher(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	src := &gatedSource{Store: f.s}
	c := report.NewStatsCache(src)
	c.SetMaxAge(0)
	f.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	q := report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential"}
	if _, err := c.Document(ctx, q); err != nil {
		t.Fatal(err)
	}

	waiting, release := src.gate()
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[0], phase: report.PhaseVoting, category: "ballot_stuffing"})
		tx.Touch(st[0])
	})
	// The request hurries the refresher, which now waits at the gate; the
	// request waits for it (here until its deadline) and reads nothing itself.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err := c.Document(short, q)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a document came before the refresh that has the write: %v", err)
	}
	<-waiting
	// Others waiting meanwhile join that refresh: it has every mark.
	const waiters = 8
	docs := make(chan *report.StatsDocument, waiters)
	errs := make(chan error, waiters)
	for range waiters {
		go func() {
			doc, err := c.Document(ctx, q)
			if err != nil {
				errs <- err
				return
			}
			docs <- doc
		}()
	}
	reads := src.tallies.Load()
	// Places does not wait for refreshes.
	if p, err := c.Places(ctx, f.election); err != nil || len(p.Regions) != 2 {
		t.Fatalf("places: %v", err)
	}
	release()
	for range waiters {
		select {
		case doc := <-docs:
			if n := doc.Phases.Voting.Categories["ballot_stuffing"].Incidents; n != 1 {
				t.Fatalf("a waiting request got %d incidents, want 1", n)
			}
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(10 * time.Second):
			t.Fatal("waiting requests were not answered")
		}
	}
	if n := src.tallies.Load() - reads; n != 0 {
		t.Errorf("%d waiting requests caused %d reads of tallies", waiters, n)
	}
	// With nothing marked, requests read nothing, whatever their number.
	reads = src.tallies.Load()
	for range 40 {
		doc, err := c.Document(ctx, q)
		if err != nil || doc.Phases.Voting.Categories["ballot_stuffing"].Incidents != 1 {
			t.Fatalf("after the refresh: %v", err)
		}
	}
	if n := src.tallies.Load() - reads; n != 0 {
		t.Errorf("40 requests with nothing changed read tallies %d times", n)
	}
}

// Every writer sees its own write in the next document, however many write and
// read at once.
func TestStatsCacheReadsItsOwnWrites(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f) // st[0..4] are the stations of R1/D1
	c := f.cache()
	ctx := context.Background()
	scope := report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential", Region: "R1", District: "D1"}
	const writers, rounds = 4, 12
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	var seq atomic.Int64
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := fmt.Sprintf("1-1-%d", g)
			for i := 1; i <= rounds; i++ {
				err := f.s.Write(ctx, func(tx *Tx) error {
					_, err := tx.exec(`INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, district_id,
						phase, category, occurred_at, witnessed, status, created_at, updated_at)
						SELECT ?, ?, '', id, region_id, district_id, 'voting', 'ballot_stuffing', ?, 0, 'new', ?, ? FROM stations WHERE id = ?`,
						f.election, fmt.Sprintf("own-%d", seq.Add(1)), fmtTime(time.Now()), fmtTime(time.Now()), fmtTime(time.Now()), st[g])
					tx.Touch(st[g])
					return err
				})
				if err != nil {
					errs <- err
					return
				}
				doc, err := c.Document(ctx, scope)
				if err != nil {
					errs <- err
					return
				}
				if n := f.votingIncidents(doc, code); n != i {
					errs <- fmt.Errorf("writer %d after its write %d sees %d incidents", g, i, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	f.sameAsFresh(c, "after the writers")
}

// While an election is watched, commits are read in the background: the next
// request finds them already in the published snapshot and reads nothing.
func TestStatsCacheRefreshesInTheBackground(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	src := &gatedSource{Store: f.s}
	c := report.NewStatsCache(src)
	c.SetMaxAge(0)
	f.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	q := report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential"}
	if _, err := c.Document(ctx, q); err != nil {
		t.Fatal(err)
	}
	reads := src.tallies.Load()
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[3], phase: report.PhaseVoting, category: "ballot_stuffing"})
		tx.Touch(st[3])
	})
	deadline := time.Now().Add(10 * time.Second)
	for src.tallies.Load() == reads {
		if time.Now().After(deadline) {
			t.Fatal("no refresh in the background after a commit")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The refresh has begun; once it is published a request reads nothing more.
	var doc *report.StatsDocument
	var err error
	for {
		before := src.tallies.Load()
		if doc, err = c.Document(ctx, q); err != nil {
			t.Fatal(err)
		}
		if src.tallies.Load() == before {
			break
		}
	}
	if n := doc.Phases.Voting.Categories["ballot_stuffing"].Incidents; n != 1 {
		t.Fatalf("%d incidents after the background refresh, want 1", n)
	}
}

// Preload reads an election before anyone asks; until someone does, commits are
// only marked (keeping up costs a re-read per touched station), and the first
// request's refresh reads them.
func TestStatsCachePreloadIsNotWatching(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	src := &gatedSource{Store: f.s}
	c := report.NewStatsCache(src)
	c.SetMaxAge(0)
	f.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	c.Preload(f.election)
	deadline := time.Now().Add(10 * time.Second)
	for src.tallies.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Preload read nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// (Places or Document would wait for the load, but asking is watching.)
	time.Sleep(100 * time.Millisecond)
	reads := src.tallies.Load()
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[2], phase: report.PhaseVoting, category: "ballot_stuffing"})
		tx.Touch(st[2])
	})
	time.Sleep(1500 * time.Millisecond) // past the refresher's tick
	if n := src.tallies.Load() - reads; n != 0 {
		t.Fatalf("an election nobody asked for was refreshed %d times", n)
	}
	doc, err := c.Document(ctx, report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential"})
	if err != nil || doc.Phases.Voting.Categories["ballot_stuffing"].Incidents != 1 {
		t.Fatalf("the first request after Preload: %v", err)
	}
}

// failingSource is the store with reads of tallies that fail while fail is set.
type failingSource struct {
	*Store
	fail atomic.Bool
}

func (f *failingSource) StationTallies(ctx context.Context, electionID int64, ids []int64, w *report.TimeWindow) (map[int64]*report.StationTally, error) {
	if f.fail.Load() {
		return nil, errors.New("disk on fire")
	}
	return f.Store.StationTallies(ctx, electionID, ids, w)
}

// A failed refresh answers the requests waiting for it with its error; the next
// request tries again, and nothing marked before the failure is lost.
func TestStatsCacheRefreshFailure(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	src := &failingSource{Store: f.s}
	c := report.NewStatsCache(src)
	c.SetMaxAge(0)
	f.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	q := report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential"}
	if _, err := c.Document(ctx, q); err != nil {
		t.Fatal(err)
	}
	src.fail.Store(true)
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[1], phase: report.PhaseVoting, category: "ballot_stuffing"})
		tx.Touch(st[1])
	})
	if _, err := c.Document(ctx, q); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("a request waiting for a failed refresh: %v", err)
	}
	src.fail.Store(false)
	doc, err := c.Document(ctx, q)
	if err != nil || doc.Phases.Voting.Categories["ballot_stuffing"].Incidents != 1 {
		t.Fatalf("after the source recovered: %v", err)
	}
	f.sameAsFresh(c, "after a failed refresh")
}

// With a MaxAge, a request answers from a young snapshot while the refresher is
// busy (a dashboard does not queue behind observers' forms); after Settle it
// waits for the refresh that has every change made before, and a snapshot older
// than MaxAge that lacks marks makes it wait too.
func TestStatsCacheAnswersFromAYoungSnapshot(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	src := &gatedSource{Store: f.s}
	c := report.NewStatsCache(src)
	c.SetMaxAge(time.Hour)
	f.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	q := report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential"}
	incidents := func(ctx context.Context) (int, error) {
		doc, err := c.Document(ctx, q)
		if err != nil {
			return 0, err
		}
		return doc.Phases.Voting.Categories["ballot_stuffing"].Incidents, nil
	}
	if n, err := incidents(ctx); err != nil || n != 0 {
		t.Fatalf("first load: %d, %v", n, err)
	}

	waiting, release := src.gate()
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[0], phase: report.PhaseVoting, category: "ballot_stuffing"})
		tx.Touch(st[0])
	})
	// The refresher is held at the gate; the request does not wait for it.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	n, err := incidents(short)
	cancel()
	if err != nil || n != 0 {
		t.Fatalf("a request while the refresh is held: %d, %v (want the young snapshot, 0)", n, err)
	}

	// A coordinator's change: the next answers must include it, so they wait.
	c.Settle(f.election)
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = incidents(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("after Settle a request answered before the refresh: %v", err)
	}
	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("Settle did not wake the refresher")
	}
	release()
	if n, err := incidents(ctx); err != nil || n != 1 {
		t.Fatalf("after the settled refresh: %d, %v", n, err)
	}

	// An old snapshot that lacks a mark is not answered from.
	c.SetMaxAge(time.Nanosecond)
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[1], phase: report.PhaseVoting, category: "ballot_stuffing"})
		tx.Touch(st[1])
	})
	if n, err := incidents(ctx); err != nil || n != 2 {
		t.Fatalf("with an old snapshot: %d, %v", n, err)
	}
	f.sameAsFresh(c, "after settling")
}

// slowSource is the store with every refresh taking a while, as on a busy
// election night.
type slowSource struct {
	*Store
	delay time.Duration
}

func (s *slowSource) StationTallies(ctx context.Context, electionID int64, ids []int64, w *report.TimeWindow) (map[int64]*report.StationTally, error) {
	if ids != nil {
		time.Sleep(s.delay)
	}
	return s.Store.StationTallies(ctx, electionID, ids, w)
}

// When refreshes take long, the refresher starts each one before the snapshot
// is MaxAge old: under a steady stream of forms a dashboard is answered at once
// from a snapshot that is young or being renewed, never kept waiting for a
// whole refresh.
func TestStatsCacheRenewsBeforeMaxAge(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	const refresh = 1200 * time.Millisecond
	c := report.NewStatsCache(&slowSource{Store: f.s, delay: refresh})
	c.SetMaxAge(2 * time.Second)
	f.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	q := report.StatsQuery{ElectionID: f.election, Election: "kz-2022-presidential"}
	if _, err := c.Document(ctx, q); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var writes sync.WaitGroup
	writes.Add(1)
	go func() {
		defer writes.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			f.write(func(tx *Tx) {
				f.incident(tx, incRow{station: st[i%len(st)], phase: report.PhaseVoting, category: "ballot_stuffing"})
				tx.Touch(st[i%len(st)])
			})
		}
	}()
	var slowest time.Duration
	last := 0
	for end := time.Now().Add(6 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		start := time.Now()
		doc, err := c.Document(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		last = doc.Phases.Voting.Categories["ballot_stuffing"].Incidents
	}
	close(stop)
	writes.Wait()
	if slowest > refresh/2 {
		t.Errorf("a request waited %v for a refresh (a refresh takes %v)", slowest, refresh)
	}
	if last == 0 {
		t.Error("the snapshots never showed the incidents written")
	}
}
