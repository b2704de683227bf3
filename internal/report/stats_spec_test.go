package report

import (
	"encoding/json"
	"fmt"
	"testing"
)

// specDataset builds statistics.md's example as tallies: 120 counting forms in 117
// of 10,120 stations, with the assessments of worked example 1, the follow-up of
// example 2, the unconditional question of example 3, the ballot_stuffing figures
// and the protocol check of the JSON example. The first 2,000 stations are in ALM.
func specDataset() ([]StationMeta, map[int64]*StationTally) {
	var meta []StationMeta
	for i := range 10120 {
		m := StationMeta{ID: int64(i + 1), Code: fmt.Sprintf("S%05d", i+1), RegionID: 1, RegionCode: "ALM", RegionName: "Almaty",
			DistrictID: 11, DistrictCode: "ALM-1", DistrictName: "Almaly"}
		if i >= 2000 {
			m.RegionID, m.RegionCode, m.RegionName = 2, "AST", "Astana"
			m.DistrictID, m.DistrictCode, m.DistrictName = 21, "AST-1", "Yesil"
		}
		meta = append(meta, m)
	}
	cl := StandardChecklist(PhaseCounting)
	tallies := map[int64]*StationTally{}
	for i := range 120 {
		id := int64(i%117 + 1)
		t := tallies[id]
		if t == nil {
			t = &StationTally{}
			tallies[id] = t
		}
		f := specForm(i)
		t.AddObservation(cl, f.assessment, f.answers, f.protocol)
		if i < 8 {
			t.AddObservationWith(PhaseCounting, "ballot_stuffing", StatusNew)
		}
	}
	// 14 incidents at 9 stations: one on each of forms 0–7, three more on forms 0–2,
	// three phoned in for station 9 (no form).
	for id := int64(1); id <= 8; id++ {
		n := 1
		if id <= 3 {
			n = 2
		}
		tallies[id].AddIncidents(PhaseCounting, "ballot_stuffing", StatusNew, n)
	}
	tallies[9].AddIncidents(PhaseCounting, "ballot_stuffing", StatusNew, 3)
	for _, t := range tallies {
		t.Finish()
	}
	return meta, tallies
}

type specFormData struct {
	assessment Assessment
	answers    map[string]Answer
	protocol   *Protocol
}

// specForm is counting form i (0–119) of the spec's example.
func specForm(i int) specFormData {
	var f specFormData
	switch {
	case i < 10:
		f.assessment = AssessVeryGood
	case i < 50:
		f.assessment = AssessGood
	case i < 95:
		f.assessment = AssessBad
	case i < 115:
		f.assessment = AssessVeryBad
	}
	f.answers = map[string]Answer{}
	switch {
	case i < 81:
		f.answers["count_mobile_exceeds_requests"] = AnswerYes
		if i < 15 {
			f.answers["count_mobile_excess_invalidated"] = AnswerYes
		} else if i < 79 {
			f.answers["count_mobile_excess_invalidated"] = AnswerNo
		}
	case i < 100:
		f.answers["count_mobile_exceeds_requests"] = AnswerNo
	default:
		f.answers["count_mobile_exceeds_requests"] = AnswerNA
	}
	switch {
	case i < 10:
		f.answers["count_ballots_exceed_voters"] = AnswerYes
	case i < 111:
		f.answers["count_ballots_exceed_voters"] = AnswerNo
	default:
		f.answers["count_ballots_exceed_voters"] = AnswerNA
	}
	if i < 111 {
		voted := int64(1000)
		if i < 10 {
			voted = 900
		}
		f.protocol = &Protocol{VotersVoted: n64(voted), BallotsStationary: n64(950), BallotsMobile: n64(30)}
	}
	return f
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestComputeSpecExample(t *testing.T) {
	meta, tallies := specDataset()
	doc, err := Compute(StatsQuery{Election: "kz-2022-presidential"}, StandardStatsSchema(), meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	checkSpecExample(t, doc)
}

// checkSpecExample compares with the figures printed in statistics.md.
func checkSpecExample(t *testing.T, doc *StatsDocument) {
	t.Helper()
	c := doc.Phases.Counting
	want := map[string]string{
		"scope":                           `{"region":null,"district":null,"status":["new","verified"]}`,
		"assessment":                      `{"n":115,"very_good":10,"good":40,"bad":45,"very_bad":20,"negative":65,"pct_negative":56.5,"ci95":[47.4,65.2],"small_n":false}`,
		"count_mobile_exceeds_requests":   `{"yes":81,"no":19,"na":20,"unanswered":0,"n":100,"pct_yes":81.0,"ci95":[72.2,87.5],"small_n":false}`,
		"count_mobile_excess_invalidated": `{"parent":"count_mobile_exceeds_requests","yes":15,"no":64,"na":0,"unanswered":2,"n":79,"pct_yes":19.0,"ci95":[11.9,29.0],"small_n":false}`,
		"count_ballots_exceed_voters":     `{"yes":10,"no":101,"na":9,"unanswered":0,"n":111,"pct_yes":9.0,"ci95":[5.0,15.8],"small_n":false}`,
		"ballot_stuffing":                 `{"incidents":14,"stations":9,"observations_with":8,"n":120,"pct":6.7,"ci95":[3.4,12.6],"small_n":false}`,
		"ballots_exceed_voters":           `{"flagged":10,"n":111,"pct":9.0,"ci95":[5.0,15.8],"small_n":false}`,
	}
	got := map[string]string{
		"scope":                           mustJSON(t, doc.Scope),
		"assessment":                      mustJSON(t, c.Assessment),
		"count_mobile_exceeds_requests":   mustJSON(t, c.Questions["count_mobile_exceeds_requests"]),
		"count_mobile_excess_invalidated": mustJSON(t, c.Questions["count_mobile_excess_invalidated"]),
		"count_ballots_exceed_voters":     mustJSON(t, c.Questions["count_ballots_exceed_voters"]),
		"ballot_stuffing":                 mustJSON(t, c.Categories["ballot_stuffing"]),
		"ballots_exceed_voters":           mustJSON(t, c.ProtocolChecks["ballots_exceed_voters"]),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], w)
		}
	}
	if c.Observations != 120 || c.Stations != 117 || c.StationsTotal != 10120 || c.PctStations == nil || *c.PctStations != 1.2 {
		t.Errorf("coverage: %d forms, %d of %d stations, %v%%", c.Observations, c.Stations, c.StationsTotal, c.PctStations)
	}
	// Example 2: dividing the follow-up by all 120 forms would give 12.5%.
	if q := c.Questions["count_mobile_excess_invalidated"]; q.N == 120 || *q.PctYes == 12.5 {
		t.Error("the follow-up must be a share of the forms where its parent was yes")
	}
	if c.NotRecorded[FigVotersVoted] != 9 || c.NotRecorded[FigVotes] != 120 {
		t.Errorf("not_recorded: %v", c.NotRecorded)
	}
	if doc.SmallNThreshold != 30 || doc.Election != "kz-2022-presidential" {
		t.Errorf("header: %q %d", doc.Election, doc.SmallNThreshold)
	}
}

func TestWorkedExample1Words(t *testing.T) {
	meta, tallies := specDataset()
	doc, _ := Compute(StatsQuery{}, StandardStatsSchema(), meta, tallies)
	a := doc.Phases.Counting.Assessment
	if pct, _ := WholePercent(a.Negative, a.N); pct != 57 {
		t.Errorf("screen shows %d%%, want 57%%", pct)
	}
	if p := DescribeShare(SentenceNegative(PhaseCounting), a.Negative, a.N, doc.SmallNThreshold); p.Fraction != "stats.fraction.more_than_half" {
		t.Errorf("phrase %+v, want more than half", p)
	}
}

// TestWorkedExample4 is coverage and small n: 1,000 voting forms in 870 stations,
// group voting answered on 980 (49 yes); tabulation 12 forms, 5 negative.
