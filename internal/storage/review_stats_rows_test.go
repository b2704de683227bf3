package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// End-to-end review of which rows the statistics count (statistics.md): an
// election built through the store's own API (station import, forms with their
// incidents, incidents filed on their own, coordinators' decisions, an edit of a
// submitted form), its document computed the way `observer stats` computes it
// (report.NewStatsCache(store).Document), each figure compared with the value
// worked out by hand from the spec's definitions.

var reviewNow = time.Date(2022, 11, 21, 0, 0, 0, 0, time.UTC)

func reviewAt(hhmm string) time.Time {
	t, err := time.Parse(time.RFC3339, "2022-11-20T"+hhmm+":00Z")
	if err != nil {
		panic(err)
	}
	return t
}

func reviewAtPtr(hhmm string) *time.Time { t := reviewAt(hhmm); return &t }

type reviewElection struct {
	t     *testing.T
	s     *Store
	el    report.Election
	anna  report.User // observer
	coord report.User
	// ids by name
	obs map[string]int64
	inc map[string]int64
	o2  report.Observation // the form that is edited later
}

func (r *reviewElection) user(role report.Role, login string) report.User {
	r.t.Helper()
	ctx := context.Background()
	if err := r.s.Write(ctx, func(tx *Tx) error {
		var oid int64
		if role == report.RoleObserver {
			var err error
			if oid, err = EnsureObserver(tx, "OBS-"+login, "", report.User{}); err != nil {
				return err
			}
		}
		_, err := CreateUser(tx, NewUser{Login: login, Password: "correct horse battery", Role: role, ObserverID: oid}, report.User{})
		return err
	}); err != nil {
		r.t.Fatal(err)
	}
	u, err := r.s.UserByLogin(ctx, login)
	if err != nil {
		r.t.Fatal(err)
	}
	return u
}

// newReviewElection builds the election (before any decision or edit):
//
//	ALM (Almaty): district BOS {S1, S2}, S3 without a district; AST (Astana): district YES {S4, S5}.
//
//	O1  S1 counting 14:00 bad; mobile_exceeds yes, excess_invalidated no, ballots_exceed_voters yes;
//	    protocol 900 voted, 950+30 ballots (ballots_exceed_voters flagged); with
//	    i1 ballot_stuffing witnessed 14:30, i2 ballot_stuffing witnessed 20:30,
//	    i3 protocol_copy_denied NOT witnessed 15:00
//	O2  S1 counting 15:00 good; mobile_exceeds no, ballots_exceed_voters na; no protocol (edited later)
//	O3  S2 voting 08:00 very_good; group_voting yes; with i4 carousel_voting witnessed 08:30,
//	    i5 ballot_stuffing witnessed 09:00
//	O4  S3 voting DRAFT bad; group_voting yes
//	O5  S4 voting 10:00 bad; group_voting no; with i7 ballot_stuffing witnessed 10:30
//	O6  S3 opening 02:00 good; open_on_time yes
//	i8  S2 voting ballot_stuffing NOT witnessed, no form, 11:00 (a phone report)
//	i9  S5 counting observer_removed witnessed, no form, 22:00
//	i11 S4 voting carousel_voting witnessed, filed later on O5, 10:45
func newReviewElection(t *testing.T) *reviewElection {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "review.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL",
		Now: func() time.Time { return reviewNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := &reviewElection{t: t, s: s, obs: map[string]int64{}, inc: map[string]int64{}}
	if r.el, err = s.CreateElection(ctx, "kz-2022-presidential", "Presidential", "2022-11-20", "UTC", report.User{}); err != nil {
		t.Fatal(err)
	}
	recs := []report.StationRecord{
		{Code: "S1", Name: "One", Region: "Almaty", RegionCode: "ALM", District: "Bostandyk", DistrictCode: "BOS"},
		{Code: "S2", Name: "Two", Region: "Almaty", RegionCode: "ALM", District: "Bostandyk", DistrictCode: "BOS"},
		{Code: "S3", Name: "Three", Region: "Almaty", RegionCode: "ALM"},
		{Code: "S4", Name: "Four", Region: "Astana", RegionCode: "AST", District: "Yesil", DistrictCode: "YES"},
		{Code: "S5", Name: "Five", Region: "Astana", RegionCode: "AST", District: "Yesil", DistrictCode: "YES"},
	}
	if _, err := s.ImportStations(ctx, r.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	r.anna = r.user(report.RoleObserver, "anna")
	r.coord = r.user(report.RoleCoordinator, "coord")

	form := func(client, station string, phase report.Phase, arrived string, a report.Assessment, ans map[string]report.Answer) report.Observation {
		o := report.Observation{ElectionID: r.el.ID, ClientID: client, Station: report.Station{Code: station}, Phase: phase,
			Assessment: a, Answers: ans, State: report.StateSubmitted}
		if arrived != "" {
			o.ArrivedAt = reviewAtPtr(arrived)
		}
		return o
	}
	incident := func(client, category, at string, witnessed bool) report.Incident {
		return report.Incident{ClientID: client, Category: category, OccurredAt: reviewAt(at), Witnessed: witnessed, Description: client}
	}
	save := func(name string, o report.Observation) {
		t.Helper()
		id, created, err := s.SaveObservation(ctx, o, r.anna)
		if err != nil || !created {
			t.Fatalf("%s: %v (created %v)", name, err, created)
		}
		r.obs[name] = id
		incs, err := s.IncidentsOfObservation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range incs {
			r.inc[in.ClientID] = in.ID
		}
	}

	o1 := form("o1", "S1", report.PhaseCounting, "14:00", report.AssessBad, map[string]report.Answer{
		"count_mobile_exceeds_requests": report.AnswerYes, "count_mobile_excess_invalidated": report.AnswerNo,
		"count_ballots_exceed_voters": report.AnswerYes})
	o1.Protocol = &report.Protocol{VotersVoted: i64(900), BallotsStationary: i64(950), BallotsMobile: i64(30)}
	o1.Incidents = []report.Incident{incident("i1", "ballot_stuffing", "14:30", true), incident("i2", "ballot_stuffing", "20:30", true),
		incident("i3", "protocol_copy_denied", "15:00", false)}
	save("O1", o1)

	r.o2 = form("o2", "S1", report.PhaseCounting, "15:00", report.AssessGood, map[string]report.Answer{
		"count_mobile_exceeds_requests": report.AnswerNo, "count_ballots_exceed_voters": report.AnswerNA})
	save("O2", r.o2)
	r.o2.ID = r.obs["O2"]

	o3 := form("o3", "S2", report.PhaseVoting, "08:00", report.AssessVeryGood, map[string]report.Answer{"vote_group_voting": report.AnswerYes})
	o3.Incidents = []report.Incident{incident("i4", "carousel_voting", "08:30", true), incident("i5", "ballot_stuffing", "09:00", true)}
	save("O3", o3)

	o4 := form("o4", "S3", report.PhaseVoting, "09:00", report.AssessBad, map[string]report.Answer{"vote_group_voting": report.AnswerYes})
	o4.State = report.StateDraft
	save("O4", o4)

	o5 := form("o5", "S4", report.PhaseVoting, "10:00", report.AssessBad, map[string]report.Answer{"vote_group_voting": report.AnswerNo})
	o5.Incidents = []report.Incident{incident("i7", "ballot_stuffing", "10:30", true)}
	save("O5", o5)

	save("O6", form("o6", "S3", report.PhaseOpening, "02:00", report.AssessGood, map[string]report.Answer{"open_on_time": report.AnswerYes}))

	alone := func(in report.Incident, station string, phase report.Phase, obs int64) {
		t.Helper()
		in.ElectionID, in.Phase, in.ObservationID = r.el.ID, phase, obs
		if station != "" {
			in.Station = report.Station{Code: station}
		}
		id, created, err := s.SaveIncident(ctx, in, r.anna)
		if err != nil || !created {
			t.Fatalf("%s: %v (created %v)", in.ClientID, err, created)
		}
		r.inc[in.ClientID] = id
	}
	alone(incident("i8", "ballot_stuffing", "11:00", false), "S2", report.PhaseVoting, 0)
	alone(incident("i9", "observer_removed", "22:00", true), "S5", report.PhaseCounting, 0)
	alone(incident("i11", "carousel_voting", "10:45", true), "", "", r.obs["O5"])
	if len(r.inc) != 9 {
		t.Fatalf("%d incidents filed, want 9: %v", len(r.inc), r.inc)
	}
	return r
}

// decide records the coordinator's decisions and the edit of O2:
// i4 rejected, i5 and i11 verified; O2 becomes very_bad with mobile_exceeds yes
// and excess_invalidated yes.
func (r *reviewElection) decideAndEdit() {
	r.t.Helper()
	ctx := context.Background()
	for _, d := range []struct {
		inc    string
		status report.Status
		note   string
	}{{"i4", report.StatusRejected, "not confirmed"}, {"i5", report.StatusVerified, ""}, {"i11", report.StatusVerified, ""}} {
		if err := r.s.SetIncidentStatus(ctx, r.inc[d.inc], d.status, d.note, r.coord); err != nil {
			r.t.Fatalf("%s: %v", d.inc, err)
		}
	}
	o := r.o2
	o.Assessment = report.AssessVeryBad
	o.Answers = map[string]report.Answer{"count_mobile_exceeds_requests": report.AnswerYes,
		"count_mobile_excess_invalidated": report.AnswerYes, "count_ballots_exceed_voters": report.AnswerNA}
	changed, err := r.s.UpdateObservation(ctx, o, r.anna)
	if err != nil || !changed {
		r.t.Fatalf("edit of O2: %v (changed %v)", err, changed)
	}
}

// document is `observer stats`: a new cache over the store, loaded once.
func (r *reviewElection) document(q report.StatsQuery) *report.StatsDocument {
	r.t.Helper()
	q.ElectionID, q.Election = r.el.ID, r.el.Code
	doc, err := report.NewStatsCache(r.s).Document(context.Background(), q)
	if err != nil {
		r.t.Fatalf("%+v: %v", q, err)
	}
	return doc
}

func pctText(p *report.Percent) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprintf("%.1f", float64(*p))
}

// The figures, written compactly so that a test lists what the spec gives by hand.

func coverageText(ps *report.PhaseStats) string {
	return fmt.Sprintf("obs %d stations %d/%d %s", ps.Observations, ps.Stations, ps.StationsTotal, pctText(ps.PctStations))
}

func assessText(ps *report.PhaseStats) string {
	a := ps.Assessment
	return fmt.Sprintf("n %d vg %d g %d b %d vb %d neg %d %s", a.N, a.VeryGood, a.Good, a.Bad, a.VeryBad, a.Negative, pctText(a.PctNegative))
}

func questionText(ps *report.PhaseStats, code string) string {
	q, ok := ps.Questions[code]
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("yes %d no %d na %d un %d n %d %s", q.Yes, q.No, q.NA, q.Unanswered, q.N, pctText(q.PctYes))
}

func categoryText(ps *report.PhaseStats, code string) string {
	c, ok := ps.Categories[code]
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("inc %d st %d with %d n %d %s", c.Incidents, c.Stations, c.ObservationsWith, c.N, pctText(c.Pct))
}

func checkText(ps *report.PhaseStats, code string) string {
	c, ok := ps.ProtocolChecks[code]
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("flagged %d n %d %s", c.Flagged, c.N, pctText(c.Pct))
}

// expectFigures compares figures by name with the hand-computed values.
func expectFigures(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s:\n got %s\nwant %s", what, k, got[k], w)
		}
	}
}

// countryFigures are the figures of the whole country after the decisions and
// the edit (status new and verified unless verifiedOnly).
func countryFigures(doc *report.StatsDocument) map[string]string {
	op, vo, co, ta := doc.Phases.Opening, doc.Phases.Voting, doc.Phases.Counting, doc.Phases.Tabulation
	return map[string]string{
		"opening coverage":                         coverageText(op),
		"opening assessment":                       assessText(op),
		"opening open_on_time":                     questionText(op, "open_on_time"),
		"opening ballot_stuffing":                  categoryText(op, "ballot_stuffing"),
		"voting coverage":                          coverageText(vo),
		"voting assessment":                        assessText(vo),
		"voting vote_group_voting":                 questionText(vo, "vote_group_voting"),
		"voting vote_box_sealed":                   questionText(vo, "vote_box_sealed"),
		"voting ballot_stuffing":                   categoryText(vo, "ballot_stuffing"),
		"voting carousel_voting":                   categoryText(vo, "carousel_voting"),
		"counting coverage":                        coverageText(co),
		"counting assessment":                      assessText(co),
		"counting count_mobile_exceeds_requests":   questionText(co, "count_mobile_exceeds_requests"),
		"counting count_mobile_excess_invalidated": questionText(co, "count_mobile_excess_invalidated"),
		"counting count_ballots_exceed_voters":     questionText(co, "count_ballots_exceed_voters"),
		"counting ballots_exceed_voters check":     checkText(co, "ballots_exceed_voters"),
		"counting ballot_stuffing":                 categoryText(co, "ballot_stuffing"),
		"counting protocol_copy_denied":            categoryText(co, "protocol_copy_denied"),
		"counting observer_removed":                categoryText(co, "observer_removed"),
		"tabulation coverage":                      coverageText(ta),
		"tabulation assessment":                    assessText(ta),
		"tabulation ballot_stuffing":               categoryText(ta, "ballot_stuffing"),
	}
}

// wantCountry is worked out from the rows listed at newReviewElection, after
// decideAndEdit, with new and verified incidents.
var wantCountry = map[string]string{
	// O6 only: one of the 5 stations.
	"opening coverage":     "obs 1 stations 1/5 20.0",
	"opening assessment":   "n 1 vg 0 g 1 b 0 vb 0 neg 0 0.0",
	"opening open_on_time": "yes 1 no 0 na 0 un 0 n 1 100.0",
	// A category of another phase is present with zeros, n = the phase's forms.
	"opening ballot_stuffing": "inc 0 st 0 with 0 n 1 0.0",
	// O3 and O5; the draft O4 is not an observation.
	"voting coverage":          "obs 2 stations 2/5 40.0",
	"voting assessment":        "n 2 vg 1 g 0 b 1 vb 0 neg 1 50.0",
	"voting vote_group_voting": "yes 1 no 1 na 0 un 0 n 2 50.0",
	"voting vote_box_sealed":   "yes 0 no 0 na 0 un 2 n 0 null",
	// i5 (verified, O3), i7 (new, O5), i8 (new, not witnessed, no form): 3 at S2
	// and S4; witnessed on O3 and O5.
	"voting ballot_stuffing": "inc 3 st 2 with 2 n 2 100.0",
	// i4 rejected: never counted; i11 verified on O5.
	"voting carousel_voting": "inc 1 st 1 with 1 n 2 50.0",
	// O1 and O2, both at S1.
	"counting coverage": "obs 2 stations 1/5 20.0",
	// O2 edited from good to very_bad: counted once, as edited.
	"counting assessment":                      "n 2 vg 0 g 0 b 1 vb 1 neg 2 100.0",
	"counting count_mobile_exceeds_requests":   "yes 2 no 0 na 0 un 0 n 2 100.0",
	"counting count_mobile_excess_invalidated": "yes 1 no 1 na 0 un 0 n 2 50.0",
	"counting count_ballots_exceed_voters":     "yes 1 no 0 na 1 un 0 n 1 100.0",
	"counting ballots_exceed_voters check":     "flagged 1 n 1 100.0",
	// i1 and i2 on the same form O1: 2 incidents, one form.
	"counting ballot_stuffing": "inc 2 st 1 with 1 n 2 50.0",
	// i3 attached to O1 but not witnessed: an incident, not an observation with one.
	"counting protocol_copy_denied": "inc 1 st 1 with 0 n 2 0.0",
	// i9 witnessed but on no form.
	"counting observer_removed": "inc 1 st 1 with 0 n 2 0.0",
	// No forms: observations 0 and null shares.
	"tabulation coverage":        "obs 0 stations 0/5 0.0",
	"tabulation assessment":      "n 0 vg 0 g 0 b 0 vb 0 neg 0 null",
	"tabulation ballot_stuffing": "inc 0 st 0 with 0 n 0 null",
}

func TestReviewStatsRowsCountry(t *testing.T) {
	r := newReviewElection(t)
	r.decideAndEdit()
	doc := r.document(report.StatsQuery{})
	expectFigures(t, "country", countryFigures(doc), wantCountry)
	if jsonOf(t, doc.Scope) != `{"region":null,"district":null,"status":["new","verified"]}` {
		t.Errorf("scope: %s", jsonOf(t, doc.Scope))
	}
	// Every question and category of the phase is present, even at 0.
	for _, p := range report.Phases {
		ps := doc.Phases.Get(p)
		if len(ps.Questions) != len(report.StandardChecklist(p).Questions) {
			t.Errorf("%s: %d questions, want %d", p, len(ps.Questions), len(report.StandardChecklist(p).Questions))
		}
		if len(ps.Categories) != len(report.Categories) {
			t.Errorf("%s: %d categories, want %d", p, len(ps.Categories), len(report.Categories))
		}
	}
	// Breakdown: the country first, then ALM and AST.
	if len(doc.Breakdown) != 3 || doc.Breakdown[0].Level != report.LevelCountry || doc.Breakdown[1].Code != "ALM" || doc.Breakdown[2].Code != "AST" {
		t.Fatalf("breakdown rows: %s", jsonOf(t, doc.Breakdown)[:200])
	}
	expectFigures(t, "breakdown ALM", map[string]string{
		"voting":          coverageText(doc.Breakdown[1].Phases.Voting),
		"voting stuffing": categoryText(doc.Breakdown[1].Phases.Voting, "ballot_stuffing"),
	}, map[string]string{
		"voting":          "obs 1 stations 1/3 33.3",
		"voting stuffing": "inc 2 st 1 with 1 n 1 100.0",
	})
}

func TestReviewStatsRowsVerifiedOnly(t *testing.T) {
	r := newReviewElection(t)
	r.decideAndEdit()
	doc := r.document(report.StatsQuery{Status: report.FilterVerified})
	vo, co := doc.Phases.Voting, doc.Phases.Counting
	expectFigures(t, "verified", map[string]string{
		"scope":                     jsonOf(t, doc.Scope.Status),
		"voting ballot_stuffing":    categoryText(vo, "ballot_stuffing"),
		"voting carousel_voting":    categoryText(vo, "carousel_voting"),
		"counting ballot_stuffing":  categoryText(co, "ballot_stuffing"),
		"counting observer_removed": categoryText(co, "observer_removed"),
		// The status filter is about incidents: forms count the same.
		"voting coverage":     coverageText(vo),
		"counting assessment": assessText(co),
	}, map[string]string{
		"scope": `["verified"]`,
		// i5 only (verified, witnessed on O3).
		"voting ballot_stuffing": "inc 1 st 1 with 1 n 2 50.0",
		// i11 only; i4 rejected.
		"voting carousel_voting":    "inc 1 st 1 with 1 n 2 50.0",
		"counting ballot_stuffing":  "inc 0 st 0 with 0 n 2 0.0",
		"counting observer_removed": "inc 0 st 0 with 0 n 2 0.0",
		"voting coverage":           "obs 2 stations 2/5 40.0",
		"counting assessment":       "n 2 vg 0 g 0 b 1 vb 1 neg 2 100.0",
	})
}

func TestReviewStatsRowsScopes(t *testing.T) {
	r := newReviewElection(t)
	r.decideAndEdit()

	alm := r.document(report.StatsQuery{Region: "ALM"})
	expectFigures(t, "ALM", map[string]string{
		"opening coverage":          coverageText(alm.Phases.Opening),
		"voting coverage":           coverageText(alm.Phases.Voting),
		"voting ballot_stuffing":    categoryText(alm.Phases.Voting, "ballot_stuffing"),
		"voting carousel_voting":    categoryText(alm.Phases.Voting, "carousel_voting"),
		"counting coverage":         coverageText(alm.Phases.Counting),
		"counting observer_removed": categoryText(alm.Phases.Counting, "observer_removed"),
		"scope":                     jsonOf(t, alm.Scope),
	}, map[string]string{
		"opening coverage": "obs 1 stations 1/3 33.3",
		"voting coverage":  "obs 1 stations 1/3 33.3",
		// i5 and i8 at S2; i7 is at S4 in AST.
		"voting ballot_stuffing": "inc 2 st 1 with 1 n 1 100.0",
		// i4 rejected; i11 is in AST.
		"voting carousel_voting":    "inc 0 st 0 with 0 n 1 0.0",
		"counting coverage":         "obs 2 stations 1/3 33.3",
		"counting observer_removed": "inc 0 st 0 with 0 n 2 0.0",
		"scope":                     `{"region":"ALM","district":null,"status":["new","verified"]}`,
	})
	// ALM's breakdown: ALM, BOS, then the stations without a district (S3).
	if len(alm.Breakdown) != 3 || alm.Breakdown[1].Code != "BOS" || alm.Breakdown[2].Code != "" {
		t.Fatalf("ALM breakdown: %d rows", len(alm.Breakdown))
	}
	expectFigures(t, "ALM rows", map[string]string{
		"BOS opening":  coverageText(alm.Breakdown[1].Phases.Opening),
		"none opening": coverageText(alm.Breakdown[2].Phases.Opening),
		"none voting":  coverageText(alm.Breakdown[2].Phases.Voting),
	}, map[string]string{
		"BOS opening":  "obs 0 stations 0/2 0.0",
		"none opening": "obs 1 stations 1/1 100.0",
		// O4 is a draft.
		"none voting": "obs 0 stations 0/1 0.0",
	})

	bos := r.document(report.StatsQuery{Region: "ALM", District: "BOS"})
	expectFigures(t, "ALM/BOS", map[string]string{
		"opening coverage":       coverageText(bos.Phases.Opening),
		"voting coverage":        coverageText(bos.Phases.Voting),
		"voting ballot_stuffing": categoryText(bos.Phases.Voting, "ballot_stuffing"),
		"counting coverage":      coverageText(bos.Phases.Counting),
		"counting assessment":    assessText(bos.Phases.Counting),
		"counting stuffing":      categoryText(bos.Phases.Counting, "ballot_stuffing"),
	}, map[string]string{
		"opening coverage":       "obs 0 stations 0/2 0.0",
		"voting coverage":        "obs 1 stations 1/2 50.0",
		"voting ballot_stuffing": "inc 2 st 1 with 1 n 1 100.0",
		"counting coverage":      "obs 2 stations 1/2 50.0",
		"counting assessment":    "n 2 vg 0 g 0 b 1 vb 1 neg 2 100.0",
		"counting stuffing":      "inc 2 st 1 with 1 n 2 50.0",
	})
	// The district's breakdown is by station: S1, S2.
	if len(bos.Breakdown) != 3 || bos.Breakdown[1].Code != "S1" || bos.Breakdown[2].Code != "S2" {
		t.Fatalf("BOS breakdown: %d rows", len(bos.Breakdown))
	}
	if got := coverageText(bos.Breakdown[1].Phases.Counting); got != "obs 2 stations 1/1 100.0" {
		t.Errorf("S1 counting: %s (two forms of one station)", got)
	}

	ast := r.document(report.StatsQuery{Region: "AST"})
	expectFigures(t, "AST", map[string]string{
		"voting coverage":           coverageText(ast.Phases.Voting),
		"voting assessment":         assessText(ast.Phases.Voting),
		"voting ballot_stuffing":    categoryText(ast.Phases.Voting, "ballot_stuffing"),
		"voting carousel_voting":    categoryText(ast.Phases.Voting, "carousel_voting"),
		"counting coverage":         coverageText(ast.Phases.Counting),
		"counting observer_removed": categoryText(ast.Phases.Counting, "observer_removed"),
	}, map[string]string{
		"voting coverage":        "obs 1 stations 1/2 50.0",
		"voting assessment":      "n 1 vg 0 g 0 b 1 vb 0 neg 1 100.0",
		"voting ballot_stuffing": "inc 1 st 1 with 1 n 1 100.0",
		"voting carousel_voting": "inc 1 st 1 with 1 n 1 100.0",
		// No counting form in AST: the share is null, the incident still counts.
		"counting coverage":         "obs 0 stations 0/2 0.0",
		"counting observer_removed": "inc 1 st 1 with 0 n 0 null",
	})
}

func TestReviewStatsRowsTimeWindow(t *testing.T) {
	r := newReviewElection(t)
	r.decideAndEdit()
	// [05:00, 20:00): O6 (02:00), i2 (20:30) and i9 (22:00) fall outside.
	w := &report.TimeWindow{From: reviewAtPtr("05:00"), To: reviewAtPtr("20:00")}
	doc := r.document(report.StatsQuery{Window: w})
	want := map[string]string{}
	for k, v := range wantCountry {
		want[k] = v
	}
	want["opening coverage"] = "obs 0 stations 0/5 0.0"
	want["opening assessment"] = "n 0 vg 0 g 0 b 0 vb 0 neg 0 null"
	want["opening open_on_time"] = "yes 0 no 0 na 0 un 0 n 0 null"
	want["opening ballot_stuffing"] = "inc 0 st 0 with 0 n 0 null"
	// i1 only: i2 occurred after the window.
	want["counting ballot_stuffing"] = "inc 1 st 1 with 1 n 2 50.0"
	want["counting observer_removed"] = "inc 0 st 0 with 0 n 2 0.0"
	expectFigures(t, "window", countryFigures(doc), want)
	if doc.Scope.From == nil || doc.Scope.To == nil || !doc.Scope.To.Equal(*w.To) {
		t.Errorf("window scope: %s", jsonOf(t, doc.Scope))
	}
	// The window's end is exclusive: a form arriving exactly at 14:00 is out of [05:00, 14:00).
	early := r.document(report.StatsQuery{Window: &report.TimeWindow{From: reviewAtPtr("05:00"), To: reviewAtPtr("14:00")}})
	if got := coverageText(early.Phases.Counting); got != "obs 0 stations 0/5 0.0" {
		t.Errorf("[05:00, 14:00) counting: %s", got)
	}
	// A region with a window: AST's witnessed i9 at 22:00 only in a window that holds it.
	late := r.document(report.StatsQuery{Region: "AST", Window: &report.TimeWindow{From: reviewAtPtr("21:00")}})
	if got := categoryText(late.Phases.Counting, "observer_removed"); got != "inc 1 st 1 with 0 n 0 null" {
		t.Errorf("AST from 21:00: %s", got)
	}
	if got := coverageText(late.Phases.Voting); got != "obs 0 stations 0/2 0.0" {
		t.Errorf("AST voting from 21:00: %s", got)
	}
}

// TestReviewStatsRowsServedAfterChanges is the server's path: one cache kept
// current by the store's commits, with the default MaxAge, a coordinator's
// decision and a correction followed by Settle. The next document must show them.
func TestReviewStatsRowsServedAfterChanges(t *testing.T) {
	r := newReviewElection(t)
	c := report.NewStatsCache(r.s)
	r.s.OnCommit(c.Invalidate)
	q := report.StatsQuery{ElectionID: r.el.ID, Election: r.el.Code}
	ctx := context.Background()
	doc, err := c.Document(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// Before: every incident new, O2 as first filed.
	expectFigures(t, "before", countryFigures(doc), map[string]string{
		"voting ballot_stuffing":                   "inc 3 st 2 with 2 n 2 100.0",
		"voting carousel_voting":                   "inc 2 st 2 with 2 n 2 100.0",
		"counting assessment":                      "n 2 vg 0 g 1 b 1 vb 0 neg 1 50.0",
		"counting count_mobile_exceeds_requests":   "yes 1 no 1 na 0 un 0 n 2 50.0",
		"counting count_mobile_excess_invalidated": "yes 0 no 1 na 0 un 0 n 1 0.0",
	})
	vq := q
	vq.Status = report.FilterVerified
	if doc, err = c.Document(ctx, vq); err != nil {
		t.Fatal(err)
	}
	if got := categoryText(doc.Phases.Voting, "ballot_stuffing"); got != "inc 0 st 0 with 0 n 2 0.0" {
		t.Errorf("before, verified only: %s", got)
	}

	r.decideAndEdit()
	c.Settle(r.el.ID)
	if doc, err = c.Document(ctx, q); err != nil {
		t.Fatal(err)
	}
	expectFigures(t, "served after the changes", countryFigures(doc), wantCountry)
	if doc, err = c.Document(ctx, vq); err != nil {
		t.Fatal(err)
	}
	expectFigures(t, "served after the changes, verified only", map[string]string{
		"voting ballot_stuffing": categoryText(doc.Phases.Voting, "ballot_stuffing"),
		"voting carousel_voting": categoryText(doc.Phases.Voting, "carousel_voting"),
	}, map[string]string{
		"voting ballot_stuffing": "inc 1 st 1 with 1 n 2 50.0",
		"voting carousel_voting": "inc 1 st 1 with 1 n 2 50.0",
	})

	// Rejecting i5 afterwards: O3 keeps no counted stuffing incident.
	if err := r.s.SetIncidentStatus(ctx, r.inc["i5"], report.StatusRejected, "duplicate", r.coord); err != nil {
		t.Fatal(err)
	}
	c.Settle(r.el.ID)
	if doc, err = c.Document(ctx, q); err != nil {
		t.Fatal(err)
	}
	if got := categoryText(doc.Phases.Voting, "ballot_stuffing"); got != "inc 2 st 2 with 1 n 2 50.0" {
		t.Errorf("after rejecting i5: %s, want inc 2 st 2 with 1 n 2 50.0", got)
	}
	// The served document is the same as `observer stats` computes afresh.
	for _, sq := range []report.StatsQuery{{}, {Status: report.FilterVerified}, {Region: "ALM"}, {Region: "AST", District: "YES"}} {
		sq.ElectionID, sq.Election = r.el.ID, r.el.Code
		served, err := c.Document(ctx, sq)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := jsonOf(t, served), jsonOf(t, r.document(sq)); a != b {
			t.Errorf("%+v: the served document differs from a fresh one:\n%s\n%s", sq, a, b)
		}
	}
}

// TestReviewStatsRowsMoreEdits follows further changes through the served cache:
// a submitted form corrected to a station of another region (its incidents go
// with it), a draft with an incident submitted, an incident corrected from
// reported to witnessed, a form corrected into a time window.
func TestReviewStatsRowsMoreEdits(t *testing.T) {
	r := newReviewElection(t)
	r.decideAndEdit()
	c := report.NewStatsCache(r.s)
	r.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	served := func(q report.StatsQuery) *report.StatsDocument {
		t.Helper()
		q.ElectionID, q.Election = r.el.ID, r.el.Code
		c.Settle(r.el.ID)
		doc, err := c.Document(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := jsonOf(t, doc), jsonOf(t, r.document(q)); q.Window == nil && a != b {
			t.Errorf("%+v: the served document differs from a fresh one:\n%s\n%s", q, a, b)
		}
		return doc
	}
	served(report.StatsQuery{}) // loaded

	// O1 (S1, ALM) corrected to S5 (AST): i1, i2, i3 follow it.
	o1, err := r.s.Observation(ctx, r.obs["O1"])
	if err != nil {
		t.Fatal(err)
	}
	o1.Station, o1.StationID = report.Station{Code: "S5"}, 0
	if changed, err := r.s.UpdateObservation(ctx, o1, r.anna); err != nil || !changed {
		t.Fatalf("move O1: %v %v", changed, err)
	}
	ast, alm := served(report.StatsQuery{Region: "AST"}), served(report.StatsQuery{Region: "ALM"})
	expectFigures(t, "after moving O1", map[string]string{
		"AST counting":          coverageText(ast.Phases.Counting),
		"AST counting stuffing": categoryText(ast.Phases.Counting, "ballot_stuffing"),
		"AST counting copy":     categoryText(ast.Phases.Counting, "protocol_copy_denied"),
		"AST observer_removed":  categoryText(ast.Phases.Counting, "observer_removed"),
		"AST check":             checkText(ast.Phases.Counting, "ballots_exceed_voters"),
		"ALM counting":          coverageText(alm.Phases.Counting),
		"ALM counting stuffing": categoryText(alm.Phases.Counting, "ballot_stuffing"),
		"ALM assessment":        assessText(alm.Phases.Counting),
	}, map[string]string{
		"AST counting":          "obs 1 stations 1/2 50.0",
		"AST counting stuffing": "inc 2 st 1 with 1 n 1 100.0",
		"AST counting copy":     "inc 1 st 1 with 0 n 1 0.0",
		// i9 is at S5 too, on no form.
		"AST observer_removed":  "inc 1 st 1 with 0 n 1 0.0",
		"AST check":             "flagged 1 n 1 100.0",
		"ALM counting":          "obs 1 stations 1/3 33.3",
		"ALM counting stuffing": "inc 0 st 0 with 0 n 1 0.0",
		"ALM assessment":        "n 1 vg 0 g 0 b 0 vb 1 neg 1 100.0",
	})

	// The draft O4 (S3) gets a witnessed incident, then is submitted.
	if _, _, err := r.s.SaveIncident(ctx, report.Incident{ElectionID: r.el.ID, ClientID: "i12", ObservationID: r.obs["O4"],
		Category: "group_voting", OccurredAt: reviewAt("09:15"), Witnessed: true}, r.anna); err != nil {
		t.Fatal(err)
	}
	doc := served(report.StatsQuery{})
	if got := categoryText(doc.Phases.Voting, "group_voting"); got != "inc 1 st 1 with 0 n 2 0.0" {
		t.Errorf("incident on a draft: %s, want inc 1 st 1 with 0 n 2 0.0", got)
	}
	o4, err := r.s.Observation(ctx, r.obs["O4"])
	if err != nil {
		t.Fatal(err)
	}
	o4.State = report.StateSubmitted
	if changed, err := r.s.UpdateObservation(ctx, o4, r.anna); err != nil || !changed {
		t.Fatalf("submit O4: %v %v", changed, err)
	}
	doc = served(report.StatsQuery{})
	expectFigures(t, "after submitting O4", map[string]string{
		"voting":       coverageText(doc.Phases.Voting),
		"assessment":   assessText(doc.Phases.Voting),
		"group":        questionText(doc.Phases.Voting, "vote_group_voting"),
		"group_voting": categoryText(doc.Phases.Voting, "group_voting"),
		"stuffing":     categoryText(doc.Phases.Voting, "ballot_stuffing"),
	}, map[string]string{
		"voting":       "obs 3 stations 3/5 60.0",
		"assessment":   "n 3 vg 1 g 0 b 2 vb 0 neg 2 66.7",
		"group":        "yes 2 no 1 na 0 un 0 n 3 66.7",
		"group_voting": "inc 1 st 1 with 1 n 3 33.3",
		"stuffing":     "inc 3 st 2 with 2 n 3 66.7",
	})

	// i3 (protocol_copy_denied on O1, reported) corrected to witnessed.
	i3, err := r.s.Incident(ctx, r.inc["i3"])
	if err != nil {
		t.Fatal(err)
	}
	i3.Witnessed = true
	if changed, err := r.s.UpdateIncident(ctx, i3, r.anna); err != nil || !changed {
		t.Fatalf("edit i3: %v %v", changed, err)
	}
	doc = served(report.StatsQuery{})
	if got := categoryText(doc.Phases.Counting, "protocol_copy_denied"); got != "inc 1 st 1 with 1 n 2 50.0" {
		t.Errorf("i3 witnessed: %s, want inc 1 st 1 with 1 n 2 50.0", got)
	}

	// O6 (opening, 02:00) corrected to 06:00: now inside [05:00, 20:00).
	o6, err := r.s.Observation(ctx, r.obs["O6"])
	if err != nil {
		t.Fatal(err)
	}
	o6.ArrivedAt = reviewAtPtr("06:00")
	if changed, err := r.s.UpdateObservation(ctx, o6, r.anna); err != nil || !changed {
		t.Fatalf("edit O6: %v %v", changed, err)
	}
	w := served(report.StatsQuery{Window: &report.TimeWindow{From: reviewAtPtr("05:00"), To: reviewAtPtr("20:00")}})
	if got := coverageText(w.Phases.Opening); got != "obs 1 stations 1/5 20.0" {
		t.Errorf("O6 moved into the window: %s", got)
	}
}

// reviewHours adapts the store to report.HourSource, as the web server does, so
// that the cache keeps the dashboard's incident timeline.
type reviewHours struct{ *Store }

func (s reviewHours) IncidentHours(ctx context.Context, electionID int64, stationIDs []int64, window *report.TimeWindow,
	fn func(stationID int64, h report.HourCount) error) error {
	return s.EachIncidentHour(ctx, electionID, stationIDs, window, func(r IncidentHour) error {
		return fn(r.StationID, report.HourCount{Category: r.Category, Status: r.Status, Hour: r.Hour, N: r.N})
	})
}

// timelineText sums a view's incidents by category and status.
func timelineText(v *report.StatsView, category string) string {
	var n, ver int
	v.EachHour(func(h report.HourCount) {
		if h.Category != category {
			return
		}
		n += h.N
		if h.Status == report.StatusVerified {
			ver += h.N
		}
	})
	return fmt.Sprintf("%d (%d verified)", n, ver)
}

// TestReviewStatsRowsDashboardView is the dashboard's path (StatsCache.View with
// the timeline): the same document, and a timeline without rejected incidents.
func TestReviewStatsRowsDashboardView(t *testing.T) {
	r := newReviewElection(t)
	c := report.NewStatsCache(reviewHours{r.s})
	r.s.OnCommit(c.Invalidate)
	ctx := context.Background()
	q := report.StatsQuery{ElectionID: r.el.ID, Election: r.el.Code}
	v, err := c.View(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := timelineText(v, "carousel_voting"); got != "2 (0 verified)" {
		t.Errorf("carousel before the decisions: %s", got)
	}
	r.decideAndEdit()
	c.Settle(r.el.ID)
	if v, err = c.View(ctx, q); err != nil {
		t.Fatal(err)
	}
	expectFigures(t, "view", countryFigures(v.Doc), wantCountry)
	expectFigures(t, "timeline", map[string]string{
		"ballot_stuffing":      timelineText(v, "ballot_stuffing"),
		"carousel_voting":      timelineText(v, "carousel_voting"),
		"protocol_copy_denied": timelineText(v, "protocol_copy_denied"),
		"observer_removed":     timelineText(v, "observer_removed"),
	}, map[string]string{
		// i1, i2, i5 (verified), i7, i8.
		"ballot_stuffing": "5 (1 verified)",
		// i4 rejected: out; i11 verified.
		"carousel_voting":      "1 (1 verified)",
		"protocol_copy_denied": "1 (0 verified)",
		"observer_removed":     "1 (0 verified)",
	})
	// By region, 08:00 to 12:00: ALM has i5 (09:00) and i8 (11:00); AST i7 (10:30) and i11 (10:45).
	rows := v.RowIncidents([]report.Status{report.StatusNew, report.StatusVerified}, reviewAt("08:00").Unix(), reviewAt("12:00").Unix())
	if rows["ALM"] != 2 || rows["AST"] != 2 {
		t.Errorf("incidents by region 08-12: %v, want ALM 2 AST 2", rows)
	}
	rows = v.RowIncidents([]report.Status{report.StatusVerified}, reviewAt("00:00").Unix(), reviewAt("23:00").Unix())
	if rows["ALM"] != 1 || rows["AST"] != 1 {
		t.Errorf("verified incidents by region: %v, want ALM 1 AST 1", rows)
	}
}

// TestReviewStatsRowsFormDetails: a form without an assessment or an arrival
// time, and the protocol figures not recorded.
func TestReviewStatsRowsFormDetails(t *testing.T) {
	r := newReviewElection(t)
	r.decideAndEdit()
	ctx := context.Background()
	// A counting form at S2 with no assessment, no arrival time (created_at, the
	// store's clock at 2022-11-21 00:00, stands in) and a partial protocol.
	if _, _, err := r.s.SaveObservation(ctx, report.Observation{ElectionID: r.el.ID, ClientID: "o7", Station: report.Station{Code: "S2"},
		Phase: report.PhaseCounting, State: report.StateSubmitted, Answers: map[string]report.Answer{"count_ballots_exceed_voters": report.AnswerNo},
		Protocol: &report.Protocol{VotersVoted: i64(500), BallotsStationary: i64(400), BallotsMobile: i64(10), Votes: map[string]int64{"A": 300}}}, r.anna); err != nil {
		t.Fatal(err)
	}
	co := r.document(report.StatsQuery{}).Phases.Counting
	expectFigures(t, "details", map[string]string{
		"coverage":   coverageText(co),
		"assessment": assessText(co),
		"question":   questionText(co, "count_ballots_exceed_voters"),
		"check":      checkText(co, "ballots_exceed_voters"),
		"not_recorded": fmt.Sprintf("voters_voted %d ballots_mobile %d ballots_received %d votes %d",
			co.NotRecorded["voters_voted"], co.NotRecorded["ballots_mobile"], co.NotRecorded["ballots_received"], co.NotRecorded["votes"]),
		"stuffing": categoryText(co, "ballot_stuffing"),
	}, map[string]string{
		"coverage": "obs 3 stations 2/5 40.0",
		// n counts forms with an assessment only.
		"assessment": "n 2 vg 0 g 0 b 1 vb 1 neg 2 100.0",
		"question":   "yes 1 no 1 na 1 un 0 n 2 50.0",
		// O1 flagged (980 > 900), O7 not (410 <= 500), O2 has no protocol.
		"check":        "flagged 1 n 2 50.0",
		"not_recorded": "voters_voted 1 ballots_mobile 1 ballots_received 3 votes 2",
		"stuffing":     "inc 2 st 1 with 1 n 3 33.3",
	})
	// In a window of election day O7 is out; in one from 23:00 it is the only counting form.
	day := r.document(report.StatsQuery{Window: &report.TimeWindow{From: reviewAtPtr("00:00"), To: reviewAtPtr("23:00")}})
	if got := coverageText(day.Phases.Counting); got != "obs 2 stations 1/5 20.0" {
		t.Errorf("election day: %s", got)
	}
	night := r.document(report.StatsQuery{Window: &report.TimeWindow{From: reviewAtPtr("23:00")}})
	if got := coverageText(night.Phases.Counting); got != "obs 1 stations 1/5 20.0" {
		t.Errorf("from 23:00: %s", got)
	}
}

// TestReviewStatsRowsManyStations spreads the rows over 1,500 stations, so that
// the whole election is read in parallel ranges of station ids and a refresh
// reads ids in chunks; two forms of one station with witnessed incidents of one
// category count as two forms and one station.
func TestReviewStatsRowsManyStations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, Options{Path: filepath.Join(dir, "many.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL",
		Now: func() time.Time { return reviewNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := &reviewElection{t: t, s: s}
	if r.el, err = s.CreateElection(ctx, "kz-many", "Many", "2022-11-20", "UTC", report.User{}); err != nil {
		t.Fatal(err)
	}
	var recs []report.StationRecord
	for i := range 1500 {
		rc, rn := "ALM", "Almaty"
		if i >= 750 {
			rc, rn = "AST", "Astana"
		}
		recs = append(recs, report.StationRecord{Code: fmt.Sprintf("M%04d", i), Name: "Station", Region: rn, RegionCode: rc})
	}
	if _, err := s.ImportStations(ctx, r.el, recs, report.User{}); err != nil {
		t.Fatal(err)
	}
	anna, coord := r.user(report.RoleObserver, "anna"), r.user(report.RoleCoordinator, "coord")
	c := report.NewStatsCache(s)
	s.OnCommit(c.Invalidate)
	q := report.StatsQuery{ElectionID: r.el.ID, Election: r.el.Code}
	if _, err := c.Document(ctx, q); err != nil { // loaded empty
		t.Fatal(err)
	}
	// Each of 40 stations spread over the ids: two voting forms, each with a
	// witnessed stuffing incident, and one reported incident on no form.
	var verify []int64
	for i := range 40 {
		code := fmt.Sprintf("M%04d", i*37)
		for k := range 2 {
			id, _, err := s.SaveObservation(ctx, report.Observation{ElectionID: r.el.ID, ClientID: fmt.Sprintf("f%d-%d", i, k),
				Station: report.Station{Code: code}, Phase: report.PhaseVoting, State: report.StateSubmitted, ArrivedAt: reviewAtPtr("09:00"),
				Assessment: report.AssessGood,
				Incidents: []report.Incident{{ClientID: fmt.Sprintf("w%d-%d", i, k), Category: "ballot_stuffing", OccurredAt: reviewAt("09:30"),
					Witnessed: true}}}, anna)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				incs, _ := s.IncidentsOfObservation(ctx, id)
				verify = append(verify, incs[0].ID)
			}
		}
		if _, _, err := s.SaveIncident(ctx, report.Incident{ElectionID: r.el.ID, ClientID: fmt.Sprintf("p%d", i), Station: report.Station{Code: code},
			Phase: report.PhaseVoting, Category: "ballot_stuffing", OccurredAt: reviewAt("11:00")}, anna); err != nil {
			t.Fatal(err)
		}
	}
	// Half the stations' first witnessed incident verified.
	for _, id := range verify[:20] {
		if err := s.SetIncidentStatus(ctx, id, report.StatusVerified, "", coord); err != nil {
			t.Fatal(err)
		}
	}
	// Stations i*37 for i < 40 run to M1443: 21 in ALM (0..740), 19 in AST.
	want := map[string]string{
		"all":      "inc 120 st 40 with 80 n 80 100.0",
		"verified": "inc 20 st 20 with 20 n 80 25.0",
		"ALM":      "inc 63 st 21 with 42 n 42 100.0",
		"AST":      "inc 57 st 19 with 38 n 38 100.0",
	}
	c.Settle(r.el.ID)
	for name, sq := range map[string]report.StatsQuery{"all": {}, "verified": {Status: report.FilterVerified}, "ALM": {Region: "ALM"}, "AST": {Region: "AST"}} {
		sq.ElectionID, sq.Election = r.el.ID, r.el.Code
		served, err := c.Document(ctx, sq)
		if err != nil {
			t.Fatal(err)
		}
		fresh := r.document(sq)
		for what, doc := range map[string]*report.StatsDocument{"served": served, "fresh": fresh} {
			if got := categoryText(doc.Phases.Voting, "ballot_stuffing"); got != want[name] {
				t.Errorf("%s %s: %s, want %s", what, name, got, want[name])
			}
		}
		if got, wantCov := coverageText(fresh.Phases.Voting), map[string]string{"all": "obs 80 stations 40/1500 2.7",
			"verified": "obs 80 stations 40/1500 2.7", "ALM": "obs 42 stations 21/750 2.8", "AST": "obs 38 stations 19/750 2.5"}[name]; got != wantCov {
			t.Errorf("%s coverage: %s, want %s", name, got, wantCov)
		}
	}
}
