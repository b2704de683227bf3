package web

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// The timeline kept by the statistics cache, refreshed by commits, must always
// equal a fresh count, for the scope and for each row of its breakdown, and a
// windowed view must count only its window.
func TestTimelineCacheFollowsCommits(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k := newKnownElection(t, st)
	cache := report.NewStatsCache(statsSource{st})
	cache.SetMaxAge(0)
	st.OnCommit(cache.Invalidate)
	ctx := context.Background()
	all := []report.Status{report.StatusNew, report.StatusVerified}

	// fresh counts the incidents of a scope from the database: by cell, and by the
	// breakdown row each station falls in.
	fresh := func(region, district string, window *report.TimeWindow) (cells, rows map[string]int) {
		t.Helper()
		cells, rows = map[string]int{}, map[string]int{}
		meta, err := st.StationsMeta(ctx, k.election)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]report.StationMeta{}
		for _, m := range meta {
			byID[m.ID] = m
		}
		err = st.EachIncidentHour(ctx, k.election, nil, window, func(r storage.IncidentHour) error {
			m := byID[r.StationID]
			if (region == "" || m.RegionCode == region) && (district == "" || m.DistrictCode == district) {
				cells[fmt.Sprintf("%s %s %d", r.Category, r.Status, r.Hour)] += r.N
				row := m.RegionCode
				switch {
				case district != "":
					row = m.Code
				case region != "":
					row = m.DistrictCode
				}
				rows[row] += r.N
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return cells, rows
	}
	compare := func(step string, window *report.TimeWindow) {
		t.Helper()
		for _, sc := range [][2]string{{"", ""}, {"ALM", ""}, {"AST", ""}, {"ALM", "ALM-01"}} {
			v, err := cache.View(ctx, report.StatsQuery{ElectionID: k.election, Election: "kz-2022-presidential",
				Region: sc[0], District: sc[1], Window: window})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			v.EachHour(func(c report.HourCount) { got[fmt.Sprintf("%s %s %d", c.Category, c.Status, c.Hour)] += c.N })
			gotRows := v.RowIncidents(all, math.MinInt64, math.MaxInt64)
			want, wantRows := fresh(sc[0], sc[1], window)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s, scope %v:\ncache %v\nfresh %v", step, sc, got, want)
			}
			if fmt.Sprint(gotRows) != fmt.Sprint(wantRows) {
				t.Fatalf("%s, scope %v, rows:\ncache %v\nfresh %v", step, sc, gotRows, wantRows)
			}
		}
	}
	compare("first load", nil)

	base := time.Date(2022, 11, 20, 8, 0, 0, 0, time.UTC)
	var moved int64
	k.write(func(tx *rawTx) {
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
	compare("after new incidents", nil)
	from, to := base.Add(time.Hour), base.Add(4*time.Hour)
	compare("window", &report.TimeWindow{From: &from, To: &to})

	// A status change and a new station in the election.
	k.write(func(tx *rawTx) {
		k.exec(tx, `UPDATE incidents SET status = 'rejected' WHERE id = ?`, moved)
		tx.Touch(k.almStations[0])
		var region int64
		if err := tx.QueryRow(`SELECT id FROM regions WHERE code = 'AST' AND election_id = ?`, k.election).Scan(&region); err != nil {
			t.Fatal(err)
		}
		s := k.station(tx, region, 0, "02-999")
		k.incident(tx, incidentRow{station: s, phase: report.PhaseVoting, category: "other", occurred: base})
	})
	compare("after a status change and a new station", nil)
}
