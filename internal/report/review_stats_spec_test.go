package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests derived from statistics.md only: the worked examples not covered in
// stats_spec_test.go and the edge cases the text names.

// rvMeta is n stations of one region and district, ids 1..n.
func rvMeta(n int) []StationMeta {
	var meta []StationMeta
	for i := range n {
		meta = append(meta, StationMeta{ID: int64(i + 1), Code: fmt.Sprintf("P%03d", i+1), Name: "PS",
			RegionID: 1, RegionCode: "R1", RegionName: "Region one", DistrictID: 11, DistrictCode: "D11", DistrictName: "District"})
	}
	return meta
}

func rvTally(tallies map[int64]*StationTally, id int64) *StationTally {
	if tallies[id] == nil {
		tallies[id] = &StationTally{}
	}
	return tallies[id]
}

func rvFinish(tallies map[int64]*StationTally) map[int64]*StationTally {
	for _, t := range tallies {
		t.Finish()
	}
	return tallies
}

func rvCompute(t *testing.T, q StatsQuery, meta []StationMeta, tallies map[int64]*StationTally) *StatsDocument {
	t.Helper()
	doc, err := Compute(q, StandardStatsSchema(), meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Worked example 5: 3 ballot_stuffing incidents on one counting form and 1 on
// another, plus 2 reported by phone (not witnessed, no form): incidents 6,
// observations_with 2. Counted as storage counts them: every incident by status,
// each form once per category it holds witnessed incidents of.
func TestReviewStatsWorkedExample5(t *testing.T) {
	cl := StandardChecklist(PhaseCounting)
	tallies := map[int64]*StationTally{}
	rvTally(tallies, 1).AddObservation(cl, AssessGood, nil, nil)
	rvTally(tallies, 2).AddObservation(cl, AssessGood, nil, nil)
	rvTally(tallies, 1).AddIncidents(PhaseCounting, "ballot_stuffing", StatusNew, 3)
	rvTally(tallies, 1).AddObservationWith(PhaseCounting, "ballot_stuffing", StatusNew)
	rvTally(tallies, 2).AddIncidents(PhaseCounting, "ballot_stuffing", StatusNew, 1)
	rvTally(tallies, 2).AddObservationWith(PhaseCounting, "ballot_stuffing", StatusNew)
	rvTally(tallies, 3).AddIncidents(PhaseCounting, "ballot_stuffing", StatusNew, 2) // phoned in
	doc := rvCompute(t, StatsQuery{}, rvMeta(3), rvFinish(tallies))
	c := doc.Phases.Counting.Categories["ballot_stuffing"]
	want := `{"incidents":6,"stations":3,"observations_with":2,"n":2,"pct":100.0,"ci95":[34.2,100.0],"small_n":true}`
	if got := mustJSON(t, c); got != want {
		t.Errorf("example 5:\n got %s\nwant %s", got, want)
	}
}

// Worked example 4 as JSON: 49 of 980 (20 unanswered), coverage 870 of 1,000
// stations; tabulation 5 of 12 negative is small_n.
func TestReviewStatsWorkedExample4JSON(t *testing.T) {
	vote, tab := StandardChecklist(PhaseVoting), StandardChecklist(PhaseTabulation)
	tallies := map[int64]*StationTally{}
	for i := range 1000 {
		ans := map[string]Answer{}
		switch {
		case i < 49:
			ans["vote_group_voting"] = AnswerYes
		case i < 980:
			ans["vote_group_voting"] = AnswerNo
		}
		rvTally(tallies, int64(i%870+1)).AddObservation(vote, "", ans, nil)
	}
	for i := range 12 {
		a := AssessGood
		if i < 5 {
			a = AssessVeryBad
		}
		rvTally(tallies, int64(i+1)).AddObservation(tab, a, nil, nil)
	}
	doc := rvCompute(t, StatsQuery{}, rvMeta(1000), rvFinish(tallies))
	v := doc.Phases.Voting
	if v.Observations != 1000 || v.Stations != 870 || v.StationsTotal != 1000 || mustJSON(t, v.PctStations) != "87.0" {
		t.Errorf("coverage: %d forms, %d of %d stations, %s", v.Observations, v.Stations, v.StationsTotal, mustJSON(t, v.PctStations))
	}
	want := `{"yes":49,"no":931,"na":0,"unanswered":20,"n":980,"pct_yes":5.0,"ci95":[3.8,6.5],"small_n":false}`
	if got := mustJSON(t, v.Questions["vote_group_voting"]); got != want {
		t.Errorf("group voting:\n got %s\nwant %s", got, want)
	}
	want = `{"n":12,"very_good":0,"good":7,"bad":0,"very_bad":5,"negative":5,"pct_negative":41.7,"ci95":[19.3,68.0],"small_n":true}`
	if got := mustJSON(t, doc.Phases.Tabulation.Assessment); got != want {
		t.Errorf("tabulation:\n got %s\nwant %s", got, want)
	}
	// Voting forms carry no assessment here: n 0, a null share.
	if a := v.Assessment; a.N != 0 || a.PctNegative != nil || a.CI95 != nil || !a.SmallN {
		t.Errorf("voting assessment without grades: %s", mustJSON(t, a))
	}
}

// "A share whose denominator is 0 is null, never 0 and never NaN"; "Every
// question and category of the phase's checklist and taxonomy is present".
func TestReviewStatsZeroObservations(t *testing.T) {
	doc := rvCompute(t, StatsQuery{Election: "e"}, rvMeta(4), nil)
	var v map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, doc)), &v); err != nil {
		t.Fatal(err)
	}
	phases := v["phases"].(map[string]any)
	for _, p := range Phases {
		ph, ok := phases[string(p)].(map[string]any)
		if !ok {
			t.Fatalf("phase %s missing", p)
		}
		if ph["observations"] != 0.0 || ph["stations"] != 0.0 || ph["stations_total"] != 4.0 || ph["pct_stations"] != 0.0 {
			t.Errorf("%s coverage: %v", p, ph)
		}
		a := ph["assessment"].(map[string]any)
		if a["n"] != 0.0 || a["pct_negative"] != nil || a["ci95"] != nil || a["small_n"] != true {
			t.Errorf("%s assessment: %v", p, a)
		}
		qs := ph["questions"].(map[string]any)
		for _, q := range StandardChecklist(p).Questions {
			qv, ok := qs[q.Code].(map[string]any)
			if !ok {
				t.Errorf("%s: question %s missing", p, q.Code)
				continue
			}
			if qv["n"] != 0.0 || qv["unanswered"] != 0.0 || qv["pct_yes"] != nil || qv["ci95"] != nil || qv["small_n"] != true {
				t.Errorf("%s %s: %v", p, q.Code, qv)
			}
		}
		cats := ph["categories"].(map[string]any)
		for _, c := range Categories {
			cv, ok := cats[c.Code].(map[string]any)
			if !ok {
				t.Errorf("%s: category %s missing", p, c.Code)
				continue
			}
			if cv["incidents"] != 0.0 || cv["n"] != 0.0 || cv["pct"] != nil || cv["ci95"] != nil {
				t.Errorf("%s %s: %v", p, c.Code, cv)
			}
		}
		_, hasChecks := ph["protocol_checks"]
		if hasChecks != (p == PhaseCounting) {
			t.Errorf("%s: protocol_checks present = %v; counting only", p, hasChecks)
		}
	}
	checks := phases["counting"].(map[string]any)["protocol_checks"].(map[string]any)
	for _, code := range ProtocolCheckCodes {
		if got := mustJSON(t, checks[code]); got != `{"ci95":null,"flagged":0,"n":0,"pct":null,"small_n":true}` {
			t.Errorf("empty check %s: %s", code, got)
		}
	}
	if s := mustJSON(t, doc); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Errorf("NaN or Inf in %s", s)
	}
}

// A question nobody answered, and one answered "na" only: counts present, n 0,
// the share null.
func TestReviewStatsUnansweredAndNAOnly(t *testing.T) {
	cl := StandardChecklist(PhaseOpening)
	tallies := map[int64]*StationTally{}
	for i := range 5 {
		rvTally(tallies, int64(i+1)).AddObservation(cl, AssessGood, map[string]Answer{"open_on_time": AnswerNA, "open_box_empty_sealed": AnswerYes}, nil)
	}
	doc := rvCompute(t, StatsQuery{}, rvMeta(5), rvFinish(tallies))
	qs := doc.Phases.Opening.Questions
	for code, want := range map[string]string{
		"open_presigned_ballots": `{"yes":0,"no":0,"na":0,"unanswered":5,"n":0,"pct_yes":null,"ci95":null,"small_n":true}`,
		"open_on_time":           `{"yes":0,"no":0,"na":5,"unanswered":0,"n":0,"pct_yes":null,"ci95":null,"small_n":true}`,
		"open_box_empty_sealed":  `{"yes":5,"no":0,"na":0,"unanswered":0,"n":5,"pct_yes":100.0,"ci95":[56.6,100.0],"small_n":true}`,
	} {
		if got := mustJSON(t, qs[code]); got != want {
			t.Errorf("%s:\n got %s\nwant %s", code, got, want)
		}
	}
}

// "na and unanswered are outside the denominator"; a follow-up is in play only
// where its parent equals the trigger, so its na and unanswered count only there.
func TestReviewStatsFollowUpNotInPlay(t *testing.T) {
	cl := StandardChecklist(PhaseCounting)
	tallies := map[int64]*StationTally{}
	forms := []map[string]Answer{
		{"count_mobile_exceeds_requests": AnswerYes, "count_mobile_excess_invalidated": AnswerYes},
		{"count_mobile_exceeds_requests": AnswerYes, "count_mobile_excess_invalidated": AnswerNA},
		{"count_mobile_exceeds_requests": AnswerYes},
		{"count_mobile_exceeds_requests": AnswerNo, "count_mobile_excess_invalidated": AnswerNA},
		{"count_mobile_exceeds_requests": AnswerNo},
		{"count_mobile_exceeds_requests": AnswerNA},
		{},
	}
	for i, f := range forms {
		rvTally(tallies, int64(i+1)).AddObservation(cl, "", f, nil)
	}
	doc := rvCompute(t, StatsQuery{}, rvMeta(len(forms)), rvFinish(tallies))
	qs := doc.Phases.Counting.Questions
	want := `{"parent":"count_mobile_exceeds_requests","yes":1,"no":0,"na":1,"unanswered":1,"n":1,"pct_yes":100.0,"ci95":[20.7,100.0],"small_n":true}`
	if got := mustJSON(t, qs["count_mobile_excess_invalidated"]); got != want {
		t.Errorf("follow-up:\n got %s\nwant %s", got, want)
	}
	want = `{"yes":3,"no":2,"na":1,"unanswered":1,"n":5,"pct_yes":60.0,"ci95":[23.1,88.2],"small_n":true}`
	if got := mustJSON(t, qs["count_mobile_exceeds_requests"]); got != want {
		t.Errorf("parent:\n got %s\nwant %s", got, want)
	}
}

// Rejected incidents are kept but never counted; "verified only" drops new ones.
// A form counts once however many incidents of c it holds.
func TestReviewStatsRejectedAndStatusFilter(t *testing.T) {
	cl := StandardChecklist(PhaseVoting)
	tallies := map[int64]*StationTally{}
	for i := range 4 {
		rvTally(tallies, int64(i+1)).AddObservation(cl, "", nil, nil)
	}
	// Station 1: a form with two new incidents and a rejected one.
	rvTally(tallies, 1).AddIncidents(PhaseVoting, "vote_buying", StatusNew, 2)
	rvTally(tallies, 1).AddIncidents(PhaseVoting, "vote_buying", StatusRejected, 1)
	rvTally(tallies, 1).AddObservationWith(PhaseVoting, "vote_buying", StatusNew)
	// Station 2: a form whose only incident was rejected (storage leaves it out of
	// observations_with).
	rvTally(tallies, 2).AddIncidents(PhaseVoting, "vote_buying", StatusRejected, 1)
	// Station 3: a verified incident on its form.
	rvTally(tallies, 3).AddIncidents(PhaseVoting, "vote_buying", StatusVerified, 1)
	rvTally(tallies, 3).AddObservationWith(PhaseVoting, "vote_buying", StatusVerified)
	rvFinish(tallies)
	meta := rvMeta(4)
	def := rvCompute(t, StatsQuery{}, meta, tallies).Phases.Voting.Categories["vote_buying"]
	if got, want := mustJSON(t, def), `{"incidents":3,"stations":2,"observations_with":2,"n":4,"pct":50.0,"ci95":[15.0,85.0],"small_n":true}`; got != want {
		t.Errorf("new+verified:\n got %s\nwant %s", got, want)
	}
	ver := rvCompute(t, StatsQuery{Status: FilterVerified}, meta, tallies).Phases.Voting.Categories["vote_buying"]
	if got, want := mustJSON(t, ver), `{"incidents":1,"stations":1,"observations_with":1,"n":4,"pct":25.0,"ci95":[4.6,69.9],"small_n":true}`; got != want {
		t.Errorf("verified only:\n got %s\nwant %s", got, want)
	}
}

// Several forms of one station: observations count forms, stations count
// stations, and a category's share counts forms.
func TestReviewStatsSeveralFormsOneStation(t *testing.T) {
	cl := StandardChecklist(PhaseVoting)
	tallies := map[int64]*StationTally{}
	st := rvTally(tallies, 1)
	for range 3 {
		st.AddObservation(cl, AssessBad, map[string]Answer{"vote_pressure": AnswerYes}, nil)
		st.AddIncidents(PhaseVoting, "voter_pressure", StatusNew, 1)
		st.AddObservationWith(PhaseVoting, "voter_pressure", StatusNew)
	}
	doc := rvCompute(t, StatsQuery{}, rvMeta(2), rvFinish(tallies))
	v := doc.Phases.Voting
	if v.Observations != 3 || v.Stations != 1 || v.StationsTotal != 2 || mustJSON(t, v.PctStations) != "50.0" {
		t.Errorf("coverage: %d forms, %d of %d stations, %s", v.Observations, v.Stations, v.StationsTotal, mustJSON(t, v.PctStations))
	}
	if a := v.Assessment; a.N != 3 || a.Negative != 3 || mustJSON(t, a.PctNegative) != "100.0" {
		t.Errorf("assessment: %s", mustJSON(t, a))
	}
	if c := v.Categories["voter_pressure"]; c.Incidents != 3 || c.Stations != 1 || c.ObservationsWith != 3 || c.N != 3 {
		t.Errorf("category: %s", mustJSON(t, c))
	}
}

// Each phase has its own denominators: counting shares are of counting forms,
// and an incident filed in voting is not a counting incident.
func TestReviewStatsPhasesAreSeparate(t *testing.T) {
	vote, count := StandardChecklist(PhaseVoting), StandardChecklist(PhaseCounting)
	tallies := map[int64]*StationTally{}
	for i := range 10 {
		rvTally(tallies, int64(i+1)).AddObservation(vote, AssessGood, nil, nil)
	}
	for i := range 4 {
		a := AssessGood
		if i == 0 {
			a = AssessBad
		}
		rvTally(tallies, int64(i+1)).AddObservation(count, a, nil, nil)
	}
	rvTally(tallies, 1).AddIncidents(PhaseVoting, "ballot_stuffing", StatusNew, 1)
	rvTally(tallies, 1).AddObservationWith(PhaseVoting, "ballot_stuffing", StatusNew)
	doc := rvCompute(t, StatsQuery{}, rvMeta(10), rvFinish(tallies))
	v, c := doc.Phases.Voting, doc.Phases.Counting
	if v.Observations != 10 || c.Observations != 4 || c.Stations != 4 {
		t.Errorf("forms: voting %d, counting %d in %d stations", v.Observations, c.Observations, c.Stations)
	}
	if got := mustJSON(t, v.Categories["ballot_stuffing"]); got != `{"incidents":1,"stations":1,"observations_with":1,"n":10,"pct":10.0,"ci95":[1.8,40.4],"small_n":true}` {
		t.Errorf("voting ballot_stuffing: %s", got)
	}
	if got := mustJSON(t, c.Categories["ballot_stuffing"]); got != `{"incidents":0,"stations":0,"observations_with":0,"n":4,"pct":0.0,"ci95":[0.0,49.0],"small_n":true}` {
		t.Errorf("counting ballot_stuffing: %s", got)
	}
	if a := c.Assessment; a.N != 4 || a.Negative != 1 || mustJSON(t, a.PctNegative) != "25.0" {
		t.Errorf("counting assessment: %s", mustJSON(t, a))
	}
}

// Region scope: stations_total and every figure are of the region's stations;
// the breakdown is the region total first, then its districts.
func TestReviewStatsRegionScope(t *testing.T) {
	meta := []StationMeta{
		{ID: 1, Code: "A1", RegionID: 1, RegionCode: "A", RegionName: "Alpha", DistrictID: 11, DistrictCode: "A-1", DistrictName: "A one"},
		{ID: 2, Code: "A2", RegionID: 1, RegionCode: "A", RegionName: "Alpha", DistrictID: 12, DistrictCode: "A-2", DistrictName: "A two"},
		{ID: 3, Code: "A3", RegionID: 1, RegionCode: "A", RegionName: "Alpha", DistrictID: 12, DistrictCode: "A-2", DistrictName: "A two"},
		{ID: 4, Code: "B1", RegionID: 2, RegionCode: "B", RegionName: "Beta", DistrictID: 21, DistrictCode: "B-1", DistrictName: "B one"},
	}
	cl := StandardChecklist(PhaseCounting)
	tallies := map[int64]*StationTally{}
	for _, id := range []int64{1, 2, 2, 4, 4, 4} {
		rvTally(tallies, id).AddObservation(cl, AssessBad, nil, nil)
	}
	rvFinish(tallies)
	doc := rvCompute(t, StatsQuery{Region: "A"}, meta, tallies)
	if got := mustJSON(t, doc.Scope); got != `{"region":"A","district":null,"status":["new","verified"]}` {
		t.Errorf("scope %s", got)
	}
	c := doc.Phases.Counting
	if c.Observations != 3 || c.Stations != 2 || c.StationsTotal != 3 || mustJSON(t, c.PctStations) != "66.7" || c.Assessment.N != 3 {
		t.Errorf("region counting: %d forms, %d of %d stations, %s", c.Observations, c.Stations, c.StationsTotal, mustJSON(t, c.PctStations))
	}
	var rows []string
	for _, r := range doc.Breakdown {
		p := r.Phases.Counting
		rows = append(rows, fmt.Sprintf("%s:%s:%s:%d/%d/%d", r.Level, r.Code, r.Name, p.Observations, p.Stations, p.StationsTotal))
	}
	if want := []string{"region:A:Alpha:3/2/3", "district:A-1:A one:1/1/1", "district:A-2:A two:2/1/2"}; !slices.Equal(rows, want) {
		t.Errorf("breakdown %v, want %v", rows, want)
	}
	if mustJSON(t, doc.Breakdown[0].Phases) != mustJSON(t, doc.Phases) {
		t.Error("the first breakdown row must be the parent total")
	}
}

// The small-n threshold is configurable and written into the document; a
// denominator equal to it is not small.
func TestReviewStatsSmallNThreshold(t *testing.T) {
	cl := StandardChecklist(PhaseTabulation)
	tallies := map[int64]*StationTally{}
	for i := range 12 {
		rvTally(tallies, int64(i+1)).AddObservation(cl, AssessGood, map[string]Answer{"tab_protocols_match": AnswerYes}, nil)
	}
	rvTally(tallies, 1).AddObservation(cl, "", nil, nil)
	rvFinish(tallies)
	doc := rvCompute(t, StatsQuery{SmallNThreshold: 12}, rvMeta(12), tallies)
	if doc.SmallNThreshold != 12 || !strings.Contains(mustJSON(t, doc), `"small_n_threshold":12`) {
		t.Errorf("threshold %d", doc.SmallNThreshold)
	}
	tab := doc.Phases.Tabulation
	if tab.Assessment.N != 12 || tab.Assessment.SmallN {
		t.Errorf("n 12 at threshold 12 is not small: %s", mustJSON(t, tab.Assessment))
	}
	if c := tab.Categories["other"]; c.N != 13 || c.SmallN {
		t.Errorf("category n 13: %s", mustJSON(t, c))
	}
	doc = rvCompute(t, StatsQuery{SmallNThreshold: 13}, rvMeta(12), tallies)
	if a := doc.Phases.Tabulation.Assessment; !a.SmallN {
		t.Errorf("n 12 at threshold 13 is small: %s", mustJSON(t, a))
	}
	if doc := rvCompute(t, StatsQuery{}, rvMeta(12), tallies); doc.SmallNThreshold != 30 {
		t.Errorf("default threshold %d", doc.SmallNThreshold)
	}
}

// Rounding: JSON one decimal half away from zero, screen whole per cent half up.
func TestReviewStatsRounding(t *testing.T) {
	cl := StandardChecklist(PhaseOpening)
	tallies := map[int64]*StationTally{}
	// 1 of 8 = 12.5%; 1 of 16 = 6.25%; 3 of 2000 = 0.15%.
	for i := range 2000 {
		ans := map[string]Answer{}
		if i < 8 {
			ans["open_on_time"] = AnswerNo
			if i == 0 {
				ans["open_on_time"] = AnswerYes
			}
		}
		if i < 16 {
			ans["open_presigned_ballots"] = AnswerNo
			if i == 0 {
				ans["open_presigned_ballots"] = AnswerYes
			}
		}
		ans["open_observers_restricted"] = AnswerNo
		if i < 3 {
			ans["open_observers_restricted"] = AnswerYes
		}
		rvTally(tallies, int64(i+1)).AddObservation(cl, "", ans, nil)
	}
	doc := rvCompute(t, StatsQuery{}, rvMeta(2000), rvFinish(tallies))
	qs := doc.Phases.Opening.Questions
	for code, want := range map[string]string{"open_on_time": "12.5", "open_presigned_ballots": "6.3", "open_observers_restricted": "0.2"} {
		if got := mustJSON(t, qs[code].PctYes); got != want {
			t.Errorf("%s pct_yes %s, want %s", code, got, want)
		}
	}
	if pct, _ := WholePercent(qs["open_on_time"].Yes, qs["open_on_time"].N); pct != 13 {
		t.Errorf("screen shows %d%%, want 13%%", pct)
	}
}

// The Wilson interval uses the exact 95% quantile: at 1468 of 2975 the lower
// bound is 47.5500000061…%, which rounds to 47.6 (z = 1.959964 gave 47.5).
func TestReviewStatsWilsonExactQuantile(t *testing.T) {
	s := newShare(1468, 2975, 30)
	if s.ci == nil || s.ci[0] != 47.6 || s.ci[1] != 51.1 {
		t.Errorf("Wilson(1468/2975) = %v, want [47.6, 51.1]", s.ci)
	}
	s = newShare(1507, 2975, 30)
	if s.ci == nil || s.ci[0] != 48.9 || s.ci[1] != 52.4 {
		t.Errorf("Wilson(1507/2975) = %v, want [48.9, 52.4]", s.ci)
	}
}

// Protocol checks: n counts the forms with every figure the check needs; a form
// without a protocol counts in not_recorded for each figure.
func TestReviewStatsProtocolCheckDenominators(t *testing.T) {
	cl := StandardChecklist(PhaseCounting)
	tallies := map[int64]*StationTally{}
	protos := []*Protocol{
		{VotersVoted: n64(100), BallotsStationary: n64(95), BallotsMobile: n64(10), HomeboundRequests: n64(5)},
		{VotersVoted: n64(100), BallotsStationary: n64(90), BallotsMobile: n64(10)},
		{VotersVoted: n64(100), BallotsStationary: n64(90)},
		nil,
	}
	for i, p := range protos {
		rvTally(tallies, int64(i+1)).AddObservation(cl, "", nil, p)
	}
	doc := rvCompute(t, StatsQuery{}, rvMeta(4), rvFinish(tallies))
	c := doc.Phases.Counting
	if got := mustJSON(t, c.ProtocolChecks[CheckBallotsExceedVoters]); got != `{"flagged":1,"n":2,"pct":50.0,"ci95":[9.5,90.5],"small_n":true}` {
		t.Errorf("ballots_exceed_voters: %s", got)
	}
	if got := mustJSON(t, c.ProtocolChecks[CheckMobileExceedsReqs]); got != `{"flagged":1,"n":1,"pct":100.0,"ci95":[20.7,100.0],"small_n":true}` {
		t.Errorf("mobile_exceeds_requests: %s", got)
	}
	if got := mustJSON(t, c.ProtocolChecks[CheckTurnoutOver100]); got != `{"flagged":0,"n":0,"pct":null,"ci95":null,"small_n":true}` {
		t.Errorf("turnout_over_100: %s", got)
	}
	want := map[string]int{FigRegisteredVoters: 4, FigBallotsReceived: 4, FigVotersVoted: 1, FigHomeboundRequests: 3,
		FigBallotsStationary: 1, FigBallotsMobile: 2, FigBallotsInvalid: 4, FigBallotsCancelled: 4, FigVotes: 4}
	for f, n := range want {
		if c.NotRecorded[f] != n {
			t.Errorf("not_recorded %s = %d, want %d", f, c.NotRecorded[f], n)
		}
	}
}

// rvSource is a TallySource over fixed data, for the cache that `observer stats`
// and the API read through.
type rvSource struct {
	meta    []StationMeta
	schema  StatsSchema
	tallies map[int64]*StationTally
}

func (s rvSource) StationsMeta(context.Context, int64) ([]StationMeta, error) { return s.meta, nil }

func (s rvSource) StationsMetaByID(_ context.Context, _ int64, ids []int64) ([]StationMeta, error) {
	var out []StationMeta
	for _, m := range s.meta {
		if slices.Contains(ids, m.ID) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s rvSource) StatsSchema(context.Context, int64) (StatsSchema, error) { return s.schema, nil }

func (s rvSource) StationTallies(_ context.Context, _ int64, ids []int64, _ *TimeWindow) (map[int64]*StationTally, error) {
	out := map[int64]*StationTally{}
	for id, t := range s.tallies {
		if ids == nil || slices.Contains(ids, id) {
			out[id] = t
		}
	}
	return out, nil
}

// The cache gives the same document as Compute, for every scope.
func TestReviewStatsCacheMatchesCompute(t *testing.T) {
	meta, tallies := specDataset()
	// A second district in ALM and a station without a district.
	for i := range meta {
		switch meta[i].ID {
		case 2:
			meta[i].DistrictID, meta[i].DistrictCode, meta[i].DistrictName = 12, "ALM-2", "Bostandyq"
		case 3:
			meta[i].DistrictID, meta[i].DistrictCode, meta[i].DistrictName = 0, "", ""
		}
	}
	rvTally(tallies, 4).AddIncidents(PhaseVoting, "carousel_voting", StatusVerified, 2)
	rvTally(tallies, 4).AddIncidents(PhaseVoting, "carousel_voting", StatusRejected, 5)
	tallies[4].Finish()
	src := rvSource{meta: meta, schema: StandardStatsSchema(), tallies: tallies}
	cache := NewStatsCache(src)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, q := range []StatsQuery{
		{Election: "kz-2022-presidential"},
		{Election: "kz-2022-presidential", Status: FilterVerified},
		{Election: "kz-2022-presidential", Region: "ALM"},
		{Election: "kz-2022-presidential", Region: "ALM", District: "ALM-2"},
		{Election: "kz-2022-presidential", District: "ALM-1", SmallNThreshold: 10},
	} {
		q.ElectionID = 7
		want, err := Compute(q, src.schema, meta, tallies)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cache.Document(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Errorf("%+v: the cache's document differs from Compute's (%d and %d bytes)", q, len(g), len(w))
		}
		if q.Region == "" && q.District == "" && q.SmallNThreshold == 0 && q.Status == FilterNewVerified {
			checkSpecExample(t, got)
		}
	}
}
