package storage

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func TestIncidentHours(t *testing.T) {
	f := newStatsFixture(t)
	var s1, s2 int64
	at := func(h, m int) time.Time { return time.Date(2022, 11, 20, h, m, 0, 0, time.UTC) }
	f.write(func(tx *Tx) {
		r := f.region(tx, "ALM", "Almaty")
		s1 = f.station(tx, r, 0, "001")
		s2 = f.station(tx, r, 0, "002")
		for _, in := range []incRow{
			{station: s1, phase: report.PhaseVoting, category: "ballot_stuffing", occurred: at(9, 5)},
			{station: s1, phase: report.PhaseVoting, category: "ballot_stuffing", occurred: at(9, 55)},
			{station: s1, phase: report.PhaseCounting, category: "ballot_stuffing", occurred: at(9, 30), status: report.StatusVerified},
			{station: s1, phase: report.PhaseVoting, category: "ballot_stuffing", occurred: at(10, 0)},
			{station: s1, phase: report.PhaseVoting, category: "ballot_stuffing", occurred: at(10, 1), status: report.StatusRejected},
			{station: s2, phase: report.PhaseVoting, category: "carousel_voting", occurred: at(18, 59)},
		} {
			f.incident(tx, in)
		}
		if _, err := tx.exec(`UPDATE stations SET timezone = 'Asia/Almaty' WHERE id = ?`, s1); err != nil {
			t.Fatal(err)
		}
	})
	ctx := context.Background()
	key := func(h IncidentHour) string {
		return time.Unix(h.Hour, 0).UTC().Format("15") + " " + h.Category + " " + string(h.Status)
	}
	got := func(stations []int64, w *report.TimeWindow) map[int64]map[string]int {
		t.Helper()
		out := map[int64]map[string]int{}
		err := f.s.EachIncidentHour(ctx, f.election, stations, w, func(r IncidentHour) error {
			if out[r.StationID] == nil {
				out[r.StationID] = map[string]int{}
			}
			out[r.StationID][key(r)] += r.N
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	all := got(nil, nil)
	want1 := map[string]int{"09 ballot_stuffing new": 2, "09 ballot_stuffing verified": 1, "10 ballot_stuffing new": 1}
	if !sameCounts(all[s1], want1) || !sameCounts(all[s2], map[string]int{"18 carousel_voting new": 1}) {
		t.Fatalf("all stations: %v", all)
	}
	if only := got([]int64{s2}, nil); len(only) != 1 || only[s2]["18 carousel_voting new"] != 1 {
		t.Fatalf("one station: %v", only)
	}
	from, to := at(9, 30), at(10, 1)
	if w := got(nil, &report.TimeWindow{From: &from, To: &to}); !sameCounts(w[s1],
		map[string]int{"09 ballot_stuffing new": 1, "09 ballot_stuffing verified": 1, "10 ballot_stuffing new": 1}) || len(w) != 1 {
		t.Fatalf("window: %v", w)
	}
	if none := got([]int64{}, nil); len(none) != 0 {
		t.Fatalf("no stations: %v", none)
	}
	// The first load streams rows and merges runs of one cell: three incidents of
	// one station, category, status and hour arrive as one count.
	var calls int
	f.s.EachIncidentHour(ctx, f.election, nil, nil, func(r IncidentHour) error { calls++; return nil })
	if calls > 5 {
		t.Errorf("%d calls for 5 cells", calls)
	}

	loc, err := f.s.ElectionLocation(ctx, f.election)
	if err != nil || loc.String() != "Asia/Almaty" {
		t.Fatalf("location %v %v", loc, err)
	}
	// An election's own zone, with or without stations in it.
	el, err := f.s.CreateElection(ctx, "kz-tokyo", "Elsewhere", "2026-03-15", "Asia/Tokyo", report.User{Login: "t", Role: report.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if loc, err := f.s.ElectionLocation(ctx, el.ID); err != nil || loc.String() != "Asia/Tokyo" {
		t.Fatalf("no stations: location %v %v", loc, err)
	}
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}
