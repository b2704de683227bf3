package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestWorkedExample4(t *testing.T) {
	var meta []StationMeta
	tallies := map[int64]*StationTally{}
	for i := range 1000 {
		meta = append(meta, StationMeta{ID: int64(i + 1), Code: fmt.Sprintf("%04d", i+1), RegionID: 1, RegionCode: "R", RegionName: "R"})
	}
	vote, tab := StandardChecklist(PhaseVoting), StandardChecklist(PhaseTabulation)
	for i := range 1000 {
		id := int64(i%870 + 1)
		if tallies[id] == nil {
			tallies[id] = &StationTally{}
		}
		ans := map[string]Answer{}
		switch {
		case i < 49:
			ans["vote_group_voting"] = AnswerYes
		case i < 980:
			ans["vote_group_voting"] = AnswerNo
		}
		tallies[id].AddObservation(vote, AssessGood, ans, nil)
	}
	for i := range 12 {
		a := AssessGood
		if i < 5 {
			a = AssessBad
		}
		tallies[int64(i+1)].AddObservation(tab, a, nil, nil)
	}
	for _, t := range tallies {
		t.Finish()
	}
	doc, err := Compute(StatsQuery{}, StandardStatsSchema(), meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	v := doc.Phases.Voting
	if v.Observations != 1000 || v.Stations != 870 || *v.PctStations != 87.0 {
		t.Errorf("voting coverage: %d forms, %d stations, %v%%", v.Observations, v.Stations, *v.PctStations)
	}
	g := v.Questions["vote_group_voting"]
	if g.N != 980 || g.Yes != 49 || g.Unanswered != 20 || *g.PctYes != 5.0 || g.SmallN {
		t.Errorf("group voting: %+v", g)
	}
	ta := doc.Phases.Tabulation.Assessment
	if ta.N != 12 || ta.Negative != 5 || !ta.SmallN {
		t.Errorf("tabulation: %+v", ta)
	}
	p := DescribeShare(SentenceNegative(PhaseTabulation), ta.Negative, ta.N, doc.SmallNThreshold)
	if p.Key != "stats.negative.tabulation.k_of_n" || p.K != 5 || p.Count != 12 {
		t.Errorf("small n must read \"5 of 12\": %+v", p)
	}
}

func TestFollowUpWithoutTriggerIsInconsistent(t *testing.T) {
	cl := StandardChecklist(PhaseCounting)
	var st StationTally
	st.AddObservation(cl, "", map[string]Answer{"count_mobile_exceeds_requests": AnswerNo, "count_mobile_excess_invalidated": AnswerYes}, nil)
	st.AddObservation(cl, "", map[string]Answer{"count_mobile_excess_invalidated": AnswerNo}, nil)
	st.AddObservation(cl, "", map[string]Answer{"count_mobile_exceeds_requests": AnswerNA, "count_mobile_excess_invalidated": AnswerNA}, nil)
	st.AddObservation(cl, "", map[string]Answer{"count_mobile_exceeds_requests": AnswerYes, "count_mobile_excess_invalidated": AnswerNo}, nil)
	st.Finish()
	doc, err := Compute(StatsQuery{}, StandardStatsSchema(), []StationMeta{{ID: 1, RegionID: 1, RegionCode: "R"}}, map[int64]*StationTally{1: &st})
	if err != nil {
		t.Fatal(err)
	}
	q := doc.Phases.Counting.Questions["count_mobile_excess_invalidated"]
	// Only the fourth form is in play; "na" where the question was not asked is consistent.
	if q.Yes != 0 || q.No != 1 || q.NA != 0 || q.Unanswered != 0 || q.N != 1 || q.Inconsistent != 2 {
		t.Errorf("follow-up: %+v", q)
	}
	if !strings.Contains(mustJSON(t, q), `"inconsistent":2`) {
		t.Errorf("inconsistent answers must show in the JSON: %s", mustJSON(t, q))
	}
	if p := doc.Phases.Counting.Questions["count_mobile_exceeds_requests"]; p.Yes != 1 || p.No != 1 || p.NA != 1 || p.Unanswered != 1 {
		t.Errorf("parent: %+v", p)
	}
}

func TestEmptyPhaseIsNull(t *testing.T) {
	meta := []StationMeta{{ID: 1, Code: "1", RegionID: 1, RegionCode: "R", RegionName: "R"}}
	doc, err := Compute(StatsQuery{Election: "e"}, StandardStatsSchema(), meta, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "NaN") || strings.Contains(s, `"pct_yes":0`) || strings.Contains(s, `"pct":0`) || strings.Contains(s, `"pct_negative":0`) {
		t.Fatalf("empty shares must be null: %s", s)
	}
	for _, p := range Phases {
		ps := doc.Phases.Get(p)
		if ps == nil || ps.Observations != 0 || ps.Assessment.PctNegative != nil || ps.Assessment.CI95 != nil {
			t.Fatalf("%s: %+v", p, ps)
		}
		if len(ps.Questions) != len(StandardChecklist(p).Questions) {
			t.Errorf("%s: %d questions", p, len(ps.Questions))
		}
		if len(ps.Categories) != len(Categories) {
			t.Errorf("%s: %d categories, want every one of the taxonomy", p, len(ps.Categories))
		}
		for code, c := range ps.Categories {
			if c.Pct != nil || c.CI95 != nil || !c.SmallN {
				t.Errorf("%s %s: %+v", p, code, c)
			}
		}
		if *ps.PctStations != 0 {
			t.Errorf("%s: pct_stations %v", p, *ps.PctStations)
		}
	}
	if !strings.Contains(s, `"opening":{"observations":0,"stations":0,"stations_total":1,"pct_stations":0.0,"assessment":{"n":0,"very_good":0,"good":0,"bad":0,"very_bad":0,"negative":0,"pct_negative":null,"ci95":null,"small_n":true}`) {
		t.Errorf("opening: %s", s[:min(len(s), 400)])
	}
	// No stations at all: pct_stations is null too.
	doc, _ = Compute(StatsQuery{}, StandardStatsSchema(), nil, nil)
	if doc.Phases.Voting.PctStations != nil {
		t.Error("pct_stations of 0 stations must be null")
	}
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestJSONShape(t *testing.T) {
	meta, tallies := specDataset()
	doc, err := Compute(StatsQuery{Election: "kz-2022-presidential"}, StandardStatsSchema(), meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, doc)), &v); err != nil {
		t.Fatal(err)
	}
	sorted := func(s ...string) []string { sort.Strings(s); return s }
	expect := func(what string, got, want []string) {
		if !slices.Equal(got, want) {
			t.Errorf("%s keys:\n got %v\nwant %v", what, got, want)
		}
	}
	expect("document", keysOf(t, v), sorted("election", "scope", "small_n_threshold", "phases", "breakdown"))
	expect("scope", keysOf(t, v["scope"]), sorted("region", "district", "status"))
	phases := v["phases"].(map[string]any)
	expect("phases", keysOf(t, phases), sorted("opening", "voting", "counting", "tabulation"))
	counting := phases["counting"].(map[string]any)
	expect("phase", keysOf(t, counting), sorted("observations", "stations", "stations_total", "pct_stations",
		"assessment", "questions", "categories", "protocol_checks", "not_recorded"))
	expect("voting phase", keysOf(t, phases["voting"]), sorted("observations", "stations", "stations_total", "pct_stations",
		"assessment", "questions", "categories"))
	expect("assessment", keysOf(t, counting["assessment"]), sorted("n", "very_good", "good", "bad", "very_bad", "negative", "pct_negative", "ci95", "small_n"))
	qs := counting["questions"].(map[string]any)
	expect("question", keysOf(t, qs["count_ballots_exceed_voters"]), sorted("yes", "no", "na", "unanswered", "n", "pct_yes", "ci95", "small_n"))
	expect("follow-up", keysOf(t, qs["count_mobile_excess_invalidated"]), sorted("parent", "yes", "no", "na", "unanswered", "n", "pct_yes", "ci95", "small_n"))
	cats := counting["categories"].(map[string]any)
	expect("category", keysOf(t, cats["ballot_stuffing"]), sorted("incidents", "stations", "observations_with", "n", "pct", "ci95", "small_n"))
	checks := counting["protocol_checks"].(map[string]any)
	expect("protocol checks", keysOf(t, checks), sorted(ProtocolCheckCodes...))
	expect("check", keysOf(t, checks["ballots_exceed_voters"]), sorted("flagged", "n", "pct", "ci95", "small_n"))
	expect("not recorded", keysOf(t, counting["not_recorded"]), sorted(RecordedFigures...))
	rows := v["breakdown"].([]any)
	if len(rows) != 3 {
		t.Fatalf("breakdown: %d rows, want the country then 2 regions", len(rows))
	}
	expect("breakdown row", keysOf(t, rows[0]), sorted("level", "code", "name", "phases"))
	for i, want := range []string{"country//", "region/ALM/Almaty", "region/AST/Astana"} {
		r := rows[i].(map[string]any)
		if got := fmt.Sprintf("%v/%v/%v", r["level"], r["code"], r["name"]); got != want {
			t.Errorf("row %d = %s, want %s", i, got, want)
		}
	}
	// The parent row is the document's own total.
	if mustJSON(t, rows[0].(map[string]any)["phases"]) != mustJSON(t, phases) {
		t.Error("the first breakdown row must be the parent total")
	}
}

func TestRegionAndDistrictScope(t *testing.T) {
	meta, tallies := specDataset()
	// Move station 2 to a second district of ALM and add a station without a district.
	for i := range meta {
		switch meta[i].ID {
		case 2:
			meta[i].DistrictID, meta[i].DistrictCode, meta[i].DistrictName = 12, "ALM-2", "Bostandyq"
		case 3:
			meta[i].DistrictID, meta[i].DistrictCode, meta[i].DistrictName = 0, "", ""
		}
	}
	doc, err := Compute(StatsQuery{Region: "ALM"}, StandardStatsSchema(), meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	if *doc.Scope.Region != "ALM" || doc.Scope.District != nil || doc.Phases.Counting.StationsTotal != 2000 {
		t.Errorf("region scope: %s, %d stations", mustJSON(t, doc.Scope), doc.Phases.Counting.StationsTotal)
	}
	var got []string
	for _, r := range doc.Breakdown {
		got = append(got, fmt.Sprintf("%s:%s:%d", r.Level, r.Code, r.Phases.Counting.Observations))
	}
	// Station 2 holds forms 1 and 118; station 3 holds 2 and 119.
	if want := []string{"region:ALM:120", "district:ALM-1:116", "district:ALM-2:2", "district::2"}; !slices.Equal(got, want) {
		t.Errorf("region breakdown %v, want %v", got, want)
	}
	doc, err = Compute(StatsQuery{District: "ALM-2"}, StandardStatsSchema(), meta, tallies)
	if err != nil {
		t.Fatal(err)
	}
	if *doc.Scope.Region != "ALM" || *doc.Scope.District != "ALM-2" || len(doc.Breakdown) != 2 ||
		doc.Breakdown[1].Level != LevelStation || doc.Breakdown[1].Code != "S00002" || doc.Phases.Counting.Observations != 2 {
		t.Errorf("district scope: %s", mustJSON(t, doc.Scope))
	}
	if _, err := Compute(StatsQuery{Region: "NOPE"}, StandardStatsSchema(), meta, tallies); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown region: %v", err)
	}
	if _, err := Compute(StatsQuery{Region: "AST", District: "ALM-2"}, StandardStatsSchema(), meta, tallies); !errors.Is(err, ErrNotFound) {
		t.Errorf("district outside the region: %v", err)
	}
	meta = append(meta, StationMeta{ID: 99999, Code: "X", RegionID: 2, RegionCode: "AST", DistrictID: 29, DistrictCode: "ALM-2"})
	if _, err := Compute(StatsQuery{District: "ALM-2"}, StandardStatsSchema(), meta, tallies); !errors.Is(err, ErrScope) {
		t.Errorf("a district code in two regions needs the region: %v", err)
	}
	if doc, err := Compute(StatsQuery{Region: "AST", District: "ALM-2"}, StandardStatsSchema(), meta, tallies); err != nil || doc.Phases.Voting.StationsTotal != 1 {
		t.Errorf("district with region: %v", err)
	}
}

func TestVerifiedOnly(t *testing.T) {
	var st StationTally
	cl := StandardChecklist(PhaseVoting)
	for range 4 {
		st.AddObservation(cl, "", nil, nil)
	}
	st.AddIncidents(PhaseVoting, "carousel_voting", StatusNew, 3)
	st.AddIncidents(PhaseVoting, "carousel_voting", StatusVerified, 2)
	st.AddIncidents(PhaseVoting, "carousel_voting", StatusRejected, 7)
	st.AddObservationWith(PhaseVoting, "carousel_voting", StatusNew)
	st.AddObservationWith(PhaseVoting, "carousel_voting", StatusVerified)
	st.AddObservationWith(PhaseVoting, "carousel_voting", StatusRejected)
	st.AddIncidents(PhaseVoting, "vote_buying", StatusNew, 1)
	st.Finish()
	meta := []StationMeta{{ID: 1, RegionID: 1, RegionCode: "R"}}
	tallies := map[int64]*StationTally{1: &st}
	def, _ := Compute(StatsQuery{}, StandardStatsSchema(), meta, tallies)
	ver, _ := Compute(StatsQuery{Status: FilterVerified}, StandardStatsSchema(), meta, tallies)
	if c := def.Phases.Voting.Categories["carousel_voting"]; c.Incidents != 5 || c.ObservationsWith != 2 || c.Stations != 1 || *c.Pct != 50.0 {
		t.Errorf("new+verified: %+v", c)
	}
	if c := ver.Phases.Voting.Categories["carousel_voting"]; c.Incidents != 2 || c.ObservationsWith != 1 || c.Stations != 1 || *c.Pct != 25.0 {
		t.Errorf("verified only: %+v", c)
	}
	if c := ver.Phases.Voting.Categories["vote_buying"]; c.Incidents != 0 || c.Stations != 0 {
		t.Errorf("verified only, vote_buying: %+v", c)
	}
	if got := mustJSON(t, ver.Scope.Status); got != `["verified"]` {
		t.Errorf("scope status %s", got)
	}
}

func TestRetiredAndCustomCategories(t *testing.T) {
	schema := StandardStatsSchema()
	for i := range schema.Categories {
		if schema.Categories[i].Code == "campaigning" || schema.Categories[i].Code == "vote_buying" {
			schema.Categories[i].Retired = true
		}
	}
	schema.Categories = append(schema.Categories, Category{Code: "bus_voters", Phase: PhaseVoting})
	var st StationTally
	st.AddIncidents(PhaseVoting, "vote_buying", StatusNew, 1)
	st.AddIncidents(PhaseVoting, "from_old_version", StatusVerified, 1)
	st.Finish()
	doc, _ := Compute(StatsQuery{}, schema, []StationMeta{{ID: 1, RegionID: 1}}, map[int64]*StationTally{1: &st})
	cats := doc.Phases.Voting.Categories
	if _, ok := cats["campaigning"]; ok {
		t.Error("a retired category without incidents is left out")
	}
	for _, code := range []string{"vote_buying", "bus_voters", "from_old_version", "ballot_stuffing"} {
		if _, ok := cats[code]; !ok {
			t.Errorf("%s missing", code)
		}
	}
}

func TestTallyAddSubIsExact(t *testing.T) {
	_, tallies := specDataset()
	var sum StationTally
	for _, st := range tallies {
		sum.Add(st)
	}
	for id, st := range tallies {
		if id%2 == 0 {
			sum.Sub(st)
		}
	}
	var odd StationTally
	for id, st := range tallies {
		if id%2 == 1 {
			odd.Add(st)
		}
	}
	meta := []StationMeta{{ID: 1, RegionID: 1}}
	a, _ := Compute(StatsQuery{}, StandardStatsSchema(), meta, map[int64]*StationTally{1: &sum})
	b, _ := Compute(StatsQuery{}, StandardStatsSchema(), meta, map[int64]*StationTally{1: &odd})
	if mustJSON(t, a) != mustJSON(t, b) {
		t.Error("adding then subtracting must equal adding the rest")
	}
}

func TestCountLayoutRoundTrip(t *testing.T) {
	_, tallies := specDataset()
	var st StationTally
	cl := StandardChecklist(PhaseCounting)
	st.AddObservation(cl, AssessBad, map[string]Answer{"count_mobile_exceeds_requests": AnswerNo, "count_mobile_excess_invalidated": AnswerYes}, nil)
	st.AddIncidents(PhaseTabulation, "results_not_published", StatusRejected, 300)
	st.AddObservationWith(PhaseTabulation, "results_not_published", StatusVerified)
	st.AddIncidents(PhaseVoting, "from_old_version", StatusNew, 2)
	st.Finish()
	tallies[1<<40] = &st
	var neg StationTally // sums may pass through negative values while a station is swapped
	neg.Sub(&st)
	tallies[1<<41] = &neg
	schema := StandardStatsSchema()
	if _, ok := newCountLayout(schema, nil).counts(&st); ok {
		t.Error("a category outside the layout must be refused")
	}
	l := newCountLayout(schema, []string{"from_old_version"})
	for id, want := range tallies {
		c, ok := l.counts(want)
		if !ok {
			t.Fatalf("station %d: refused", id)
		}
		got := l.tally(c)
		// Zero entries are not kept; compare through the document, which shows every code.
		meta := []StationMeta{{ID: 1, RegionID: 1}}
		a, _ := Compute(StatsQuery{}, schema, meta, map[int64]*StationTally{1: want})
		b, _ := Compute(StatsQuery{}, schema, meta, map[int64]*StationTally{1: got})
		if mustJSON(t, a) != mustJSON(t, b) {
			t.Fatalf("station %d changed in the layout", id)
		}
	}
}
