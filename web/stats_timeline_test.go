package web

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The timeline cache, refreshed by commits, must always equal a fresh count.
func TestTimelineCacheFollowsCommits(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k := newKnownElection(t, st)
	cache := newTimelineCache(st)
	st.OnCommit(cache.Invalidate)
	ctx := context.Background()

	fresh := func(region, district string) map[string]int {
		t.Helper()
		out := map[string]int{}
		err := st.EachIncidentHour(ctx, k.election, nil, nil, func(r storage.IncidentHour) error {
			m := placeOf(t, st, k.election, r.StationID)
			if (region == "" || m.RegionCode == region) && (district == "" || m.DistrictCode == district) {
				out[fmt.Sprintf("%s %s %d", r.Category, r.Status, r.Hour)] += r.N
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	compare := func(step string) {
		t.Helper()
		for _, sc := range [][2]string{{"", ""}, {"ALM", ""}, {"AST", ""}, {"ALM", "ALM-01"}} {
			cells, _, err := cache.counts(ctx, k.election, sc[0], sc[1], nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, c := range cells {
				got[fmt.Sprintf("%s %s %d", c.category, c.status, c.hour)] += c.n
			}
			want := fresh(sc[0], sc[1])
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s, scope %v:\ncache %v\nfresh %v", step, sc, got, want)
			}
		}
	}
	compare("first load")

	base := time.Date(2022, 11, 20, 8, 0, 0, 0, time.UTC)
	var moved int64
	k.write(func(tx *storage.Tx) {
		for i := 0; i < 30; i++ {
			st := k.almStations[i%50]
			if i%3 == 0 {
				st = k.astStations[i]
			}
			k.incident(tx, incidentRow{station: st, phase: report.PhaseVoting, category: []string{"carousel_voting", "group_voting"}[i%2],
				occurred: base.Add(time.Duration(i) * 17 * time.Minute), status: []report.Status{report.StatusNew, report.StatusVerified, report.StatusRejected}[i%3]})
		}
		moved = k.incident(tx, incidentRow{station: k.almStations[0], phase: report.PhaseVoting, category: "vote_buying", occurred: base})
	})
	compare("after new incidents")

	// A status change and a new station in the election.
	k.write(func(tx *storage.Tx) {
		k.exec(tx, `UPDATE incidents SET status = 'rejected' WHERE id = ?`, moved)
		tx.Touch(k.almStations[0])
		var region int64
		if err := tx.QueryRow(`SELECT id FROM regions WHERE code = 'AST' AND election_id = ?`, k.election).Scan(&region); err != nil {
			t.Fatal(err)
		}
		s := k.station(tx, region, 0, "02-999")
		k.incident(tx, incidentRow{station: s, phase: report.PhaseVoting, category: "other", occurred: base})
	})
	compare("after a status change and a new station")
}

func placeOf(t *testing.T, st *storage.Store, election, station int64) report.StationMeta {
	t.Helper()
	meta, err := st.StationsMeta(context.Background(), election)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range meta {
		if m.ID == station {
			return m
		}
	}
	t.Fatalf("station %d not in the election", station)
	return report.StationMeta{}
}
