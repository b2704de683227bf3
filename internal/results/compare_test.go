package results

import (
	"reflect"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

func i64(v int64) *int64 { return &v }

func TestCompare(t *testing.T) {
	set := &Set{Version: Version{Label: "final", Candidates: []string{"c1", "c2"}}, Rows: []StationRow{
		{Row: Row{Station: "001", Registered: 1000, Issued: 700, Valid: 690, Invalid: 10, Votes: []int64{500, 190}}, RegionCode: "N"},
		{Row: Row{Station: "002", Registered: 800, Issued: 500, Valid: 495, Invalid: 5, Votes: []int64{300, 195}}, RegionCode: "S"},
	}}
	obs := []Observation{
		// 001: the leader gained 100 after the count; ballots found 600+0 vs 700
		{ID: 11, Station: "001", Protocol: &report.Protocol{RegisteredVoters: i64(1000), VotersVoted: i64(600),
			BallotsStationary: i64(590), BallotsMobile: i64(10), BallotsInvalid: i64(10),
			Votes: map[string]int64{"C1": 400, "c2": 190, "c9": 5}}},
		// 002: only registered differs by 2; ballots_mobile missing: ballots_found not compared
		{ID: 12, Station: "002", Protocol: &report.Protocol{RegisteredVoters: i64(802), BallotsStationary: i64(1)}},
		// no official result for 003
		{ID: 13, Station: "003", Protocol: &report.Protocol{RegisteredVoters: i64(5)}},
		// a second observation of 001 that agrees
		{ID: 14, Station: "001", Protocol: &report.Protocol{RegisteredVoters: i64(1000), Votes: map[string]int64{"c1": 500}}},
	}
	got := Compare(set, obs)
	want := []Discrepancy{
		{Station: "001", Figure: "ballots_issued", ObserverValue: 600, OfficialValue: 700, Difference: 100, ObservationID: 11, Region: "N", LeaderMoved: 100},
		{Station: "001", Figure: "ballots_found", ObserverValue: 600, OfficialValue: 700, Difference: 100, ObservationID: 11, Region: "N", LeaderMoved: 100},
		{Station: "001", Figure: "votes:c1", ObserverValue: 400, OfficialValue: 500, Difference: 100, ObservationID: 11, Region: "N", LeaderMoved: 100},
		{Station: "002", Figure: "registered_voters", ObserverValue: 802, OfficialValue: 800, Difference: -2, ObservationID: 12, Region: "S"},
	}
	// ballots_found < ballots_issued < votes:c1 by name
	want[0], want[1] = want[1], want[0]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}
