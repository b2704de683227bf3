package results

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func TestReviewCompareRules(t *testing.T) {
	set := &Set{Version: Version{Label: "final", Candidates: []string{"Cand1", "against_all"}}, Rows: []StationRow{
		{Row: Row{Station: "B-2", Registered: 500, Issued: 300, Valid: 290, Invalid: 10, Votes: []int64{200, 90}}, RegionCode: "N"},
		{Row: Row{Station: "A-1", Registered: 500, Issued: 300, Valid: 290, Invalid: 10, Votes: []int64{200, 90}}, RegionCode: "N"},
	}}
	obs := []Observation{
		// only ballots_stationary: ballots_found not compared; invalid 12 vs 10; votes in another case
		{ID: 1, Station: "b-2", Protocol: &report.Protocol{BallotsStationary: i64(1), BallotsInvalid: i64(12),
			Votes: map[string]int64{"CAND1": 200, "AGAINST_ALL": 88}}},
		// the same differences at A-1: ties broken by station code then figure
		{ID: 2, Station: "A-1", Protocol: &report.Protocol{BallotsStationary: i64(280), BallotsMobile: i64(20), BallotsInvalid: i64(12),
			Votes: map[string]int64{"cand1": 200, "against_all": 88}}},
	}
	got := Compare(set, obs)
	type row struct {
		st, fig      string
		mine, off, d int64
		id           int64
	}
	want := []row{
		{"A-1", "ballots_invalid", 12, 10, -2, 2},
		{"A-1", "votes:against_all", 88, 90, 2, 2},
		{"B-2", "ballots_invalid", 12, 10, -2, 1},
		{"B-2", "votes:against_all", 88, 90, 2, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Station != w.st || g.Figure != w.fig || g.ObserverValue != w.mine || g.OfficialValue != w.off || g.Difference != w.d || g.ObservationID != w.id {
			t.Errorf("row %d: %+v, want %+v", i, g, w)
		}
	}
	out, _ := json.Marshal(got[:1])
	if string(out) != `[{"station":"A-1","figure":"ballots_invalid","observer_value":12,"official_value":10,"difference":-2,"observation_id":2}]` {
		t.Errorf("JSON %s", out)
	}
	var b bytes.Buffer
	if err := WriteDiscrepanciesCSV(&b, got[:1]); err != nil {
		t.Fatal(err)
	}
	if b.String() != "station,figure,observer_value,official_value,difference,observation_id\nA-1,ballots_invalid,12,10,-2,2\n" {
		t.Errorf("CSV %q", b.String())
	}
	if out, _ := json.Marshal(Compare(set, nil)); strings.TrimSpace(string(out)) != "[]" {
		t.Errorf("no rows: %s", out)
	}
}
