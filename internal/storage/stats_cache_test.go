package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func (f *statsFixture) cache() *report.StatsCache {
	c := report.NewStatsCache(f.s)
	c.SetMaxAge(0) // these tests read what they just wrote
	f.s.OnCommit(c.Invalidate)
	return c
}

func (f *statsFixture) cached(c *report.StatsCache, q report.StatsQuery) *report.StatsDocument {
	f.t.Helper()
	q.ElectionID = f.election
	if q.Election == "" {
		q.Election = "kz-2022-presidential"
	}
	doc, err := c.Document(context.Background(), q)
	if err != nil {
		f.t.Fatal(err)
	}
	return doc
}

// sameAsFresh compares the cache with the uncached path on several scopes.
func (f *statsFixture) sameAsFresh(c *report.StatsCache, when string) {
	f.t.Helper()
	for _, q := range []report.StatsQuery{
		{}, {Status: report.FilterVerified}, {Region: "R1"}, {Region: "R2", Status: report.FilterVerified},
		{Region: "R1", District: "D1"}, {Region: "R2", District: "D1"},
	} {
		got, want := jsonOf(f.t, f.cached(c, q)), jsonOf(f.t, f.compute(q))
		if got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			f.t.Fatalf("%s: cache differs from a fresh computation for %+v:\n got …%.300s\nwant …%.300s", when, q, got[max(0, i-200):], want[max(0, i-200):])
		}
	}
}

// hierarchyRows makes 2 regions of 2 districts of 5 stations, and 2 stations without a district.
func hierarchyRows(f *statsFixture) []int64 {
	var st []int64
	f.write(func(tx *Tx) {
		for r := 1; r <= 2; r++ {
			rid := f.region(tx, fmt.Sprintf("R%d", r), fmt.Sprintf("Region %d", r))
			for d := 1; d <= 2; d++ {
				did := f.district(tx, rid, fmt.Sprintf("D%d", d), fmt.Sprintf("District %d", d))
				for s := range 5 {
					st = append(st, f.station(tx, rid, did, fmt.Sprintf("%d-%d-%d", r, d, s)))
				}
			}
			st = append(st, f.station(tx, rid, 0, fmt.Sprintf("%d-x", r)))
		}
	})
	return st
}

func TestStatsCacheInvalidation(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	c := f.cache()
	var obs int64
	f.write(func(tx *Tx) {
		obs = f.observation(tx, obsRow{station: st[0], phase: report.PhaseVoting})
		tx.Touch(st[0])
	})
	if n := f.cached(c, report.StatsQuery{}).Phases.Voting.Categories["ballot_stuffing"].Incidents; n != 0 {
		t.Fatalf("%d incidents before any", n)
	}
	// A write that touches its station changes the next document.
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[0], phase: report.PhaseVoting, category: "ballot_stuffing", witnessed: true, observation: obs})
		tx.Touch(st[0])
	})
	got := f.cached(c, report.StatsQuery{}).Phases.Voting.Categories["ballot_stuffing"]
	if got.Incidents != 1 || got.ObservationsWith != 1 {
		t.Fatalf("after a touched write: %+v", got)
	}
	// A write that touches nothing is not seen: the document really comes from the cache.
	f.write(func(tx *Tx) {
		f.incident(tx, incRow{station: st[1], phase: report.PhaseVoting, category: "ballot_stuffing"})
	})
	if n := f.cached(c, report.StatsQuery{}).Phases.Voting.Categories["ballot_stuffing"].Incidents; n != 1 {
		t.Fatalf("an untouched write changed the cached document: %d", n)
	}
	c.InvalidateElection(f.election)
	if n := f.cached(c, report.StatsQuery{}).Phases.Voting.Categories["ballot_stuffing"].Incidents; n != 2 {
		t.Fatalf("after InvalidateElection: %d incidents, want 2", n)
	}
	// A status change is a write like any other.
	f.write(func(tx *Tx) {
		tx.exec(`UPDATE incidents SET status = 'rejected' WHERE station_id = ?`, st[0])
		tx.Touch(st[0])
	})
	got = f.cached(c, report.StatsQuery{}).Phases.Voting.Categories["ballot_stuffing"]
	if got.Incidents != 1 || got.ObservationsWith != 0 {
		t.Fatalf("after rejecting: %+v", got)
	}
	// A time window is computed from the database, not the cache.
	doc, err := c.Document(context.Background(), report.StatsQuery{ElectionID: f.election, Window: &report.TimeWindow{}})
	if err != nil || doc.Phases.Voting.Observations != 1 {
		t.Fatalf("window: %v", err)
	}
	f.sameAsFresh(c, "end")
}

func TestStatsCacheSeesNewAndMovedStations(t *testing.T) {
	f := newStatsFixture(t)
	hierarchyRows(f)
	c := f.cache()
	before := f.cached(c, report.StatsQuery{}).Phases.Voting.StationsTotal
	f.write(func(tx *Tx) {
		var r int64
		tx.queryRow(`SELECT id FROM regions WHERE code = 'R2'`).Scan(&r)
		s := f.station(tx, r, 0, "new")
		f.observation(tx, obsRow{station: s, phase: report.PhaseVoting})
		tx.Touch(s)
	})
	doc := f.cached(c, report.StatsQuery{})
	if doc.Phases.Voting.StationsTotal != before+1 || doc.Phases.Voting.Observations != 1 {
		t.Fatalf("new station: %d stations (was %d), %d forms", doc.Phases.Voting.StationsTotal, before, doc.Phases.Voting.Observations)
	}
	f.sameAsFresh(c, "after a new station")

	// A station moved to another district (as a station import does it) takes its counts along.
	f.write(func(tx *Tx) {
		var s, d int64
		tx.queryRow(`SELECT id FROM stations WHERE code = 'new'`).Scan(&s)
		tx.queryRow(`SELECT d.id FROM districts d JOIN regions r ON r.id = d.region_id WHERE r.code = 'R2' AND d.code = 'D2'`).Scan(&d)
		tx.exec(`UPDATE stations SET district_id = ?, name = 'Moved' WHERE id = ?`, d, s)
		tx.exec(`UPDATE observations SET district_id = ? WHERE station_id = ?`, d, s)
		tx.Touch(s)
	})
	doc = f.cached(c, report.StatsQuery{Region: "R2", District: "D2"})
	if doc.Phases.Voting.Observations != 1 || doc.Phases.Voting.StationsTotal != 6 {
		t.Fatalf("moved station: %d forms in %d stations of R2/D2", doc.Phases.Voting.Observations, doc.Phases.Voting.StationsTotal)
	}
	f.sameAsFresh(c, "after a moved station")
}

// randomWrites files observations and incidents and changes statuses at random
// stations, each write touching what it changed.
func randomWrites(f *statsFixture, rng *rand.Rand, st []int64, n int) {
	cats := []string{"ballot_stuffing", "carousel_voting", "observer_removed", "protocol_copy_denied"}
	answers := []report.Answer{report.AnswerYes, report.AnswerNo, report.AnswerNA, ""}
	for range n {
		s := st[rng.IntN(len(st))]
		phase := report.Phases[rng.IntN(4)]
		f.write(func(tx *Tx) {
			switch rng.IntN(6) {
			case 0:
				ans := map[string]report.Answer{}
				for _, q := range report.StandardChecklist(phase).Questions {
					if a := answers[rng.IntN(4)]; a != "" {
						ans[q.Code] = a
					}
				}
				var p *report.Protocol
				if phase == report.PhaseCounting && rng.IntN(2) == 0 {
					p = &report.Protocol{VotersVoted: i64(rng.Int64N(100)), BallotsStationary: i64(rng.Int64N(100)), BallotsMobile: i64(rng.Int64N(10))}
				}
				f.observation(tx, obsRow{station: s, phase: phase, assessment: report.Assessments[rng.IntN(4)], answers: ans, protocol: p,
					draft: rng.IntN(5) == 0})
			case 3:
				// An edit: a draft submitted, or a submitted form's grade changed.
				tx.exec(`UPDATE observations SET state = 'submitted', assessment = ? WHERE id = (SELECT MAX(id) FROM observations WHERE station_id = ?)`,
					string(report.Assessments[rng.IntN(4)]), s)
			case 4:
				// A form corrected to another station: both stations change.
				other := st[rng.IntN(len(st))]
				tx.exec(`UPDATE observations SET station_id = ? WHERE id = (SELECT MAX(id) FROM observations WHERE station_id = ?)`, other, s)
				tx.Touch(other)
			case 1:
				var obs int64
				tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM observations WHERE station_id = ? AND phase = ?`, s, phase).Scan(&obs)
				f.incident(tx, incRow{station: s, phase: phase, category: cats[rng.IntN(len(cats))], witnessed: obs != 0 && rng.IntN(3) > 0, observation: obs})
			default:
				status := []string{"new", "verified", "rejected"}[rng.IntN(3)]
				tx.exec(`UPDATE incidents SET status = ? WHERE id = (SELECT MAX(id) FROM incidents WHERE station_id = ?)`, status, s)
			}
			tx.Touch(s)
		})
	}
}

func TestStatsCacheMatchesFresh(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	rng := rand.New(rand.NewPCG(1, 2))
	randomWrites(f, rng, st, 40)
	c := f.cache()
	f.sameAsFresh(c, "cold")
	for round := range 4 {
		randomWrites(f, rng, st, 30)
		f.sameAsFresh(c, fmt.Sprintf("round %d", round))
	}
}

// TestStatsCacheConcurrent reads documents while writes arrive (run with -race).
func TestStatsCacheConcurrent(t *testing.T) {
	f := newStatsFixture(t)
	st := hierarchyRows(f)
	c := f.cache()
	ctx := context.Background()
	var wg sync.WaitGroup
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scopes := []report.StatsQuery{{}, {Region: "R1"}, {Region: "R2", District: "D2"}}
			for {
				select {
				case <-done:
					return
				default:
				}
				q := scopes[g]
				q.ElectionID = f.election
				if _, err := c.Document(ctx, q); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	randomWrites(f, rand.New(rand.NewPCG(3, 4)), st, 60)
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f.sameAsFresh(c, "after concurrent writes")
}
