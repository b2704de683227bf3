package storage

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// specForm is counting form i (0–119) of statistics.md's example: the assessments
// of worked example 1, the follow-up of example 2, the question of example 3 and
// the protocol behind the ballots_exceed_voters check.
func specForm(station int64, i int) obsRow {
	o := obsRow{station: station, phase: report.PhaseCounting, answers: map[string]report.Answer{}}
	switch {
	case i < 10:
		o.assessment = report.AssessVeryGood
	case i < 50:
		o.assessment = report.AssessGood
	case i < 95:
		o.assessment = report.AssessBad
	case i < 115:
		o.assessment = report.AssessVeryBad
	}
	switch {
	case i < 81:
		o.answers["count_mobile_exceeds_requests"] = report.AnswerYes
		if i < 15 {
			o.answers["count_mobile_excess_invalidated"] = report.AnswerYes
		} else if i < 79 {
			o.answers["count_mobile_excess_invalidated"] = report.AnswerNo
		}
	case i < 100:
		o.answers["count_mobile_exceeds_requests"] = report.AnswerNo
	default:
		o.answers["count_mobile_exceeds_requests"] = report.AnswerNA
	}
	switch {
	case i < 10:
		o.answers["count_ballots_exceed_voters"] = report.AnswerYes
	case i < 111:
		o.answers["count_ballots_exceed_voters"] = report.AnswerNo
	default:
		o.answers["count_ballots_exceed_voters"] = report.AnswerNA
	}
	if i < 111 {
		voted := int64(1000)
		if i < 10 {
			voted = 900
		}
		o.protocol = &report.Protocol{VotersVoted: i64(voted), BallotsStationary: i64(950), BallotsMobile: i64(30)}
	}
	return o
}

// specRows inserts statistics.md's example: 10,120 stations (ALM and AST), 120
// counting forms in 117 of them, and 14 ballot_stuffing incidents at 9 stations,
// witnessed on 8 forms. It returns the station ids in insertion order.
func specRows(f *statsFixture) []int64 {
	var st []int64
	f.write(func(tx *Tx) {
		alm := f.region(tx, "ALM", "Almaty")
		ast := f.region(tx, "AST", "Astana")
		almD := f.district(tx, alm, "ALM-1", "Almaly")
		astD := f.district(tx, ast, "AST-1", "Yesil")
		for i := range 10120 {
			r, d := alm, almD
			if i >= 2000 {
				r, d = ast, astD
			}
			st = append(st, f.station(tx, r, d, fmt.Sprintf("S%05d", i+1)))
		}
		forms := make([]int64, 120)
		for i := range 120 {
			forms[i] = f.observation(tx, specForm(st[i%117], i))
		}
		for i := range 8 {
			f.incident(tx, incRow{station: st[i], phase: report.PhaseCounting, category: "ballot_stuffing", witnessed: true, observation: forms[i]})
		}
		for i := range 3 {
			f.incident(tx, incRow{station: st[i], phase: report.PhaseCounting, category: "ballot_stuffing", witnessed: true, observation: forms[i]})
			f.incident(tx, incRow{station: st[8], phase: report.PhaseCounting, category: "ballot_stuffing"})
		}
	})
	return st
}

func TestStatsSpecExampleFromRows(t *testing.T) {
	f := newStatsFixture(t)
	specRows(f)
	doc := f.compute(report.StatsQuery{})
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
		"scope":                           jsonOf(t, doc.Scope),
		"assessment":                      jsonOf(t, c.Assessment),
		"count_mobile_exceeds_requests":   jsonOf(t, c.Questions["count_mobile_exceeds_requests"]),
		"count_mobile_excess_invalidated": jsonOf(t, c.Questions["count_mobile_excess_invalidated"]),
		"count_ballots_exceed_voters":     jsonOf(t, c.Questions["count_ballots_exceed_voters"]),
		"ballot_stuffing":                 jsonOf(t, c.Categories["ballot_stuffing"]),
		"ballots_exceed_voters":           jsonOf(t, c.ProtocolChecks["ballots_exceed_voters"]),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], w)
		}
	}
	if !strings.HasPrefix(jsonOf(t, c), `{"observations":120,"stations":117,"stations_total":10120,"pct_stations":1.2,`) {
		t.Errorf("coverage: %.120s", jsonOf(t, c))
	}
	if len(doc.Breakdown) != 3 || doc.Breakdown[1].Code != "ALM" || doc.Breakdown[1].Phases.Counting.Observations != 120 ||
		doc.Breakdown[2].Phases.Counting.StationsTotal != 8120 {
		t.Errorf("breakdown: %d rows", len(doc.Breakdown))
	}
}

// TestStatsWorkedExample4 is coverage and small n from rows.
func TestStatsWorkedExample4(t *testing.T) {
	f := newStatsFixture(t)
	f.write(func(tx *Tx) {
		r := f.region(tx, "R", "Region")
		var st []int64
		for i := range 1000 {
			st = append(st, f.station(tx, r, 0, fmt.Sprintf("%04d", i)))
		}
		for i := range 1000 {
			ans := map[string]report.Answer{}
			if i < 49 {
				ans["vote_group_voting"] = report.AnswerYes
			} else if i < 980 {
				ans["vote_group_voting"] = report.AnswerNo
			}
			f.observation(tx, obsRow{station: st[i%870], phase: report.PhaseVoting, answers: ans})
		}
		for i := range 12 {
			a := report.AssessGood
			if i < 5 {
				a = report.AssessVeryBad
			}
			f.observation(tx, obsRow{station: st[i], phase: report.PhaseTabulation, assessment: a})
		}
	})
	doc := f.compute(report.StatsQuery{})
	v := doc.Phases.Voting
	if v.Observations != 1000 || v.Stations != 870 || *v.PctStations != 87.0 {
		t.Errorf("coverage: %d forms in %d stations (%v%%)", v.Observations, v.Stations, *v.PctStations)
	}
	if got := jsonOf(t, v.Questions["vote_group_voting"]); got != `{"yes":49,"no":931,"na":0,"unanswered":20,"n":980,"pct_yes":5.0,"ci95":[3.8,6.5],"small_n":false}` {
		t.Errorf("group voting: %s", got)
	}
	a := doc.Phases.Tabulation.Assessment
	if a.N != 12 || a.Negative != 5 || !a.SmallN {
		t.Errorf("tabulation: %+v", a)
	}
}

// TestStatsWorkedExample5: 3 ballot_stuffing incidents on one counting form, 1 on
// another, 2 phoned in without a form: incidents 6, observations_with 2.
func TestStatsWorkedExample5(t *testing.T) {
	f := newStatsFixture(t)
	f.write(func(tx *Tx) {
		r := f.region(tx, "R", "Region")
		a, b, c := f.station(tx, r, 0, "A"), f.station(tx, r, 0, "B"), f.station(tx, r, 0, "C")
		oa := f.observation(tx, obsRow{station: a, phase: report.PhaseCounting})
		ob := f.observation(tx, obsRow{station: b, phase: report.PhaseCounting})
		f.observation(tx, obsRow{station: c, phase: report.PhaseCounting})
		for range 3 {
			f.incident(tx, incRow{station: a, phase: report.PhaseCounting, category: "ballot_stuffing", witnessed: true, observation: oa})
		}
		f.incident(tx, incRow{station: b, phase: report.PhaseCounting, category: "ballot_stuffing", witnessed: true, observation: ob})
		for range 2 {
			f.incident(tx, incRow{station: c, phase: report.PhaseCounting, category: "ballot_stuffing"})
		}
	})
	c := f.compute(report.StatsQuery{}).Phases.Counting.Categories["ballot_stuffing"]
	if c.Incidents != 6 || c.ObservationsWith != 2 || c.Stations != 3 || c.N != 3 || !c.SmallN {
		t.Errorf("ballot_stuffing: %+v", c)
	}
}

func TestStatsRowRules(t *testing.T) {
	f := newStatsFixture(t)
	var a, b int64
	f.write(func(tx *Tx) {
		r := f.region(tx, "R", "Region")
		a, b = f.station(tx, r, 0, "A"), f.station(tx, r, 0, "B")
		voting := f.observation(tx, obsRow{station: a, phase: report.PhaseVoting, assessment: report.AssessBad})
		draft := f.observation(tx, obsRow{station: b, phase: report.PhaseVoting, assessment: report.AssessBad, draft: true})
		// A follow-up answered although its parent was "no": left out, counted inconsistent.
		f.observation(tx, obsRow{station: b, phase: report.PhaseCounting, answers: map[string]report.Answer{
			"count_mobile_exceeds_requests": report.AnswerNo, "count_mobile_excess_invalidated": report.AnswerYes}})
		// Witnessed on the voting form: counts for the voting form even if filed under counting.
		f.incident(tx, incRow{station: a, phase: report.PhaseCounting, category: "carousel_voting", witnessed: true, observation: voting, status: report.StatusVerified})
		// On a draft form: an incident, but no observation with it.
		f.incident(tx, incRow{station: b, phase: report.PhaseVoting, category: "carousel_voting", witnessed: true, observation: draft})
		// Rejected: nowhere.
		f.incident(tx, incRow{station: b, phase: report.PhaseVoting, category: "carousel_voting", witnessed: true, observation: voting, status: report.StatusRejected})
		// Not witnessed, though attached: an incident, not an observation with it.
		f.incident(tx, incRow{station: a, phase: report.PhaseVoting, category: "vote_buying", observation: voting})
		tx.exec(`INSERT INTO custom_questions(election_id, code, phase, problem, parent, trig, texts, position)
			VALUES (?, 'vote_buses', 'voting', 'yes', '', '', '{}', 99)`, f.election)
		tx.exec(`INSERT INTO retired_categories(code, retired_at) VALUES ('campaigning', '2022-01-01T00:00:00Z')`)
		tx.exec(`INSERT INTO custom_categories(code, phase, names, created_at) VALUES ('bus_voters', 'voting', '{}', '2022-01-01T00:00:00Z')`)
	})
	doc := f.compute(report.StatsQuery{})
	v := doc.Phases.Voting
	if v.Observations != 1 || v.Assessment.Negative != 1 {
		t.Errorf("drafts must not count: %d forms, %d negative", v.Observations, v.Assessment.Negative)
	}
	if c := v.Categories["carousel_voting"]; c.Incidents != 1 || c.ObservationsWith != 1 || c.Stations != 1 {
		t.Errorf("voting carousel: %+v", c)
	}
	if c := doc.Phases.Counting.Categories["carousel_voting"]; c.Incidents != 1 || c.ObservationsWith != 0 || c.Stations != 1 {
		t.Errorf("counting carousel: %+v", c)
	}
	if c := v.Categories["vote_buying"]; c.Incidents != 1 || c.ObservationsWith != 0 {
		t.Errorf("unwitnessed: %+v", c)
	}
	if q := doc.Phases.Counting.Questions["count_mobile_excess_invalidated"]; q.Inconsistent != 1 || q.Yes != 0 || q.Unanswered != 0 {
		t.Errorf("follow-up without trigger: %+v", q)
	}
	if q, ok := v.Questions["vote_buses"]; !ok || q.Unanswered != 1 {
		t.Errorf("custom question: %+v %v", q, ok)
	}
	if _, ok := v.Categories["campaigning"]; ok {
		t.Error("retired category without incidents must be left out")
	}
	if _, ok := v.Categories["bus_voters"]; !ok {
		t.Error("custom category missing")
	}
	ver := f.compute(report.StatsQuery{Status: report.FilterVerified})
	if c := ver.Phases.Voting.Categories["carousel_voting"]; c.Incidents != 0 || c.ObservationsWith != 1 {
		t.Errorf("verified only: %+v", c)
	}
}

func TestStatsTimeWindow(t *testing.T) {
	f := newStatsFixture(t)
	at := func(h int) time.Time { return time.Date(2022, 11, 20, h, 0, 0, 0, time.UTC) }
	f.write(func(tx *Tx) {
		r := f.region(tx, "R", "Region")
		s := f.station(tx, r, 0, "A")
		for h := 6; h < 12; h++ {
			t := at(h)
			o := f.observation(tx, obsRow{station: s, phase: report.PhaseVoting, arrived: &t})
			f.incident(tx, incRow{station: s, phase: report.PhaseVoting, category: "vote_buying", witnessed: true, observation: o, occurred: at(h + 1)})
		}
		// No arrival time: created_at (12:00) decides.
		f.observation(tx, obsRow{station: s, phase: report.PhaseVoting})
	})
	from, to := at(8), at(12)
	doc := f.compute(report.StatsQuery{Window: &report.TimeWindow{From: &from, To: &to}})
	c := doc.Phases.Voting.Categories["vote_buying"]
	// Forms arriving 8–11 (4); incidents occurring 8–11 (those of forms 7–10: 4); forms in
	// the window with an incident in the window: 3 (8, 9, 10; the 11:00 form's is at 12:00).
	if doc.Phases.Voting.Observations != 4 || c.Incidents != 4 || c.ObservationsWith != 3 {
		t.Errorf("window: %d forms, %+v", doc.Phases.Voting.Observations, c)
	}
	if got := jsonOf(t, doc.Scope); got != `{"region":null,"district":null,"status":["new","verified"],"from":"2022-11-20T08:00:00Z","to":"2022-11-20T12:00:00Z"}` {
		t.Errorf("scope %s", got)
	}
	to2 := at(13)
	if n := f.compute(report.StatsQuery{Window: &report.TimeWindow{To: &to2}}).Phases.Voting.Observations; n != 7 {
		t.Errorf("open start: %d forms, want 7 (created_at stands in for a missing arrival)", n)
	}
}

func TestStationTalliesSubset(t *testing.T) {
	f := newStatsFixture(t)
	var st []int64
	f.write(func(tx *Tx) {
		r := f.region(tx, "R", "Region")
		for i := range 1200 {
			st = append(st, f.station(tx, r, 0, fmt.Sprintf("%04d", i)))
		}
		for i := range 3000 {
			o := f.observation(tx, obsRow{station: st[(i*7)%1000], phase: report.Phases[i%4], assessment: report.AssessBad})
			f.incident(tx, incRow{station: st[(i*7)%1000], phase: report.Phases[i%4], category: "other", witnessed: i%2 == 0, observation: o})
		}
	})
	ctx := context.Background()
	all, err := f.s.StationTallies(ctx, f.election, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// More than one chunk of ids, and a station without data.
	ids := append([]int64{}, st[:1100]...)
	some, err := f.s.StationTallies(ctx, f.election, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != len(ids) {
		t.Fatalf("%d tallies for %d stations", len(some), len(ids))
	}
	for _, id := range ids {
		want := all[id]
		if want == nil {
			want = &report.StationTally{}
		}
		if !reflect.DeepEqual(jsonOf(t, some[id]), jsonOf(t, want)) {
			t.Fatalf("station %d differs read alone", id)
		}
	}
}
