package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The review of checklists.md and taxonomy.md against the code: the tables are
// copied from the spec, so a changed code, phase, order or problem shows here.

var reviewNow = time.Date(2022, 11, 21, 0, 0, 0, 0, time.UTC)

func TestReviewStandardQuestionsMatchSpec(t *testing.T) {
	spec := []struct {
		phase, code, problem, parent, trigger string
	}{
		{"opening", "open_on_time", "no", "", ""},
		{"opening", "open_box_empty_sealed", "no", "", ""},
		{"opening", "open_ballots_announced", "no", "", ""},
		{"opening", "open_presigned_ballots", "yes", "", ""},
		{"opening", "open_unauthorized_present", "yes", "", ""},
		{"opening", "open_observers_restricted", "yes", "", ""},
		{"voting", "vote_box_sealed", "no", "", ""},
		{"voting", "vote_secrecy_ensured", "no", "", ""},
		{"voting", "vote_id_checked", "no", "", ""},
		{"voting", "vote_stuffing_indications", "yes", "", ""},
		{"voting", "vote_carousel_indications", "yes", "", ""},
		{"voting", "vote_group_voting", "yes", "", ""},
		{"voting", "vote_identical_signatures", "yes", "", ""},
		{"voting", "vote_pressure", "yes", "", ""},
		{"voting", "vote_unauthorized_present", "yes", "", ""},
		{"voting", "vote_turnout_info_refused", "yes", "", ""},
		{"voting", "vote_observers_restricted", "yes", "", ""},
		{"counting", "count_unused_cancelled", "no", "", ""},
		{"counting", "count_procedures_followed", "no", "", ""},
		{"counting", "count_ballots_shown", "no", "", ""},
		{"counting", "count_homebound_not_recorded", "yes", "", ""},
		{"counting", "count_mobile_exceeds_requests", "yes", "", ""},
		{"counting", "count_mobile_excess_invalidated", "no", "count_mobile_exceeds_requests", "yes"},
		{"counting", "count_ballots_exceed_voters", "yes", "", ""},
		{"counting", "count_falsification", "yes", "", ""},
		{"counting", "count_protocol_in_presence", "no", "", ""},
		{"counting", "count_protocol_posted", "no", "", ""},
		{"counting", "count_protocol_copy_given", "no", "", ""},
		{"counting", "count_observers_restricted", "yes", "", ""},
		{"tabulation", "tab_protocols_match", "no", "", ""},
		{"tabulation", "tab_observers_restricted", "yes", "", ""},
	}
	if len(Questions) != len(spec) {
		t.Fatalf("%d standard questions, spec has %d", len(Questions), len(spec))
	}
	for i, s := range spec {
		q := Questions[i]
		if q.Code != s.code || string(q.Phase) != s.phase || string(q.Problem) != s.problem ||
			q.Parent != s.parent || string(q.Trigger) != s.trigger {
			t.Errorf("question %d: %+v, spec %+v", i, q, s)
		}
	}
	// Each phase's checklist keeps the spec's order.
	for _, p := range Phases {
		var want []string
		for _, s := range spec {
			if s.phase == string(p) {
				want = append(want, s.code)
			}
		}
		var got []string
		for _, q := range StandardChecklist(p).Questions {
			got = append(got, q.Code)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, spec %v", p, got, want)
		}
	}
	if strings.Join(ProtocolFigures, ",") != "registered_voters,ballots_received,voters_voted,homebound_requests,"+
		"ballots_stationary,ballots_mobile,ballots_invalid,ballots_cancelled" {
		t.Errorf("protocol figures: %v", ProtocolFigures)
	}
	for _, a := range []Assessment{"very_good", "good", "bad", "very_bad", ""} {
		if !ValidAssessment(a) {
			t.Errorf("assessment %q refused", a)
		}
	}
	if !Assessment("bad").Negative() || !Assessment("very_bad").Negative() || Assessment("good").Negative() {
		t.Error("negatively assessed is bad or very_bad")
	}
}

func TestReviewCategoriesMatchSpec(t *testing.T) {
	spec := []struct{ code, phase string }{
		{"observer_denied_entry", "any"}, {"observer_removed", "any"}, {"observer_restricted", "any"},
		{"observer_photo_banned", "any"}, {"observer_threatened", "any"}, {"observer_detained", "any"},
		{"information_refused", "any"}, {"complaint_refused", "any"},
		{"box_not_sealed", "opening"}, {"opening_figures_withheld", "opening"}, {"ballots_presigned", "opening"},
		{"ballot_stuffing", "voting"}, {"carousel_voting", "voting"}, {"multiple_voting", "voting"},
		{"identical_signatures", "voting"}, {"group_voting", "voting"}, {"proxy_voting", "voting"},
		{"voter_not_identified", "voting"}, {"secrecy_violated", "voting"}, {"voter_pressure", "voting"},
		{"vote_buying", "voting"}, {"unauthorized_persons", "voting"}, {"campaigning", "voting"},
		{"turnout_discrepancy", "voting"}, {"mobile_box_irregularity", "voting"},
		{"count_procedure_violated", "counting"}, {"ballots_not_shown", "counting"},
		{"ballots_exceed_voters", "counting"}, {"falsification", "counting"},
		{"protocol_not_completed_in_presence", "counting"}, {"protocol_not_posted", "counting"},
		{"protocol_copy_denied", "counting"},
		{"tabulation_discrepancy", "tabulation"}, {"results_not_published", "tabulation"},
		{"other", "any"},
	}
	if len(Categories) != len(spec) {
		t.Fatalf("%d categories, spec has %d", len(Categories), len(spec))
	}
	headline := map[string]bool{"observer_removed": true, "ballot_stuffing": true, "carousel_voting": true, "protocol_copy_denied": true}
	for i, s := range spec {
		c := Categories[i]
		if c.Code != s.code || string(c.Phase) != s.phase || c.Headline != headline[s.code] || c.Retired {
			t.Errorf("category %d: %+v, spec %+v", i, c, s)
		}
	}
	if strings.Join(HeadlineCategories, ",") != "observer_removed,ballot_stuffing,carousel_voting,protocol_copy_denied" {
		t.Errorf("headline: %v", HeadlineCategories)
	}
	// An incident may be filed in any phase, whatever its category's usual one.
	r := NewRules(StandardStatsSchema(), reviewNow)
	for _, p := range Phases {
		in := Incident{ClientID: "i", Phase: p, Category: "results_not_published", OccurredAt: reviewNow.Add(-time.Hour)}
		if fe := ValidateIncident(in, r); fe != nil {
			t.Errorf("%s: %v", p, fe)
		}
	}
}

// checklists.md: "Each question is answered yes, no or na ..., or left
// unanswered." JSON spells "unanswered" as null or "" as readily as by leaving
// the key out; it was refused as bad_answer although it is stored as absent.
func TestReviewEmptyAnswerIsUnanswered(t *testing.T) {
	r := NewRules(StandardStatsSchema(), reviewNow)
	line := `{"client_id": "e-1", "station": "071-023", "phase": "voting",
		"answers": {"vote_pressure": null, "vote_box_sealed": "", "vote_id_checked": "yes"}}`
	o, fe := DecodeObservationLine([]byte(line))
	if fe != nil {
		t.Fatal(fe)
	}
	if fe := ValidateObservation(o, r); fe != nil {
		t.Fatalf("unanswered questions refused: %v", fe)
	}
	var stored map[string]Answer
	if err := json.Unmarshal(EncodeObservation(o).Answers, &stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored["vote_id_checked"] != AnswerYes {
		t.Fatalf("stored answers %v", stored)
	}
	// An unknown question stays an error, answered or not; a wrong value too.
	o.Answers = map[string]Answer{"vote_nonsense": "", "vote_pressure": "Yes"}
	if got := codes(ValidateObservation(o, r)); got != "answers.vote_nonsense=unknown_question,answers.vote_pressure=bad_answer" {
		t.Fatalf("got %q", got)
	}
}

func TestReviewFollowUpTrigger(t *testing.T) {
	r := NewRules(StandardStatsSchema(), reviewNow)
	const parent, follow = "count_mobile_exceeds_requests", "count_mobile_excess_invalidated"
	cases := []struct {
		parent, follow Answer
		want           string
	}{
		{"yes", "yes", ""},
		{"yes", "no", ""},
		{"yes", "na", ""},
		{"yes", "", ""},
		{"no", "yes", "answers." + follow + "=followup_without_trigger"},
		{"no", "no", "answers." + follow + "=followup_without_trigger"},
		{"no", "na", ""},
		{"na", "no", "answers." + follow + "=followup_without_trigger"},
		{"", "yes", "answers." + follow + "=followup_without_trigger"},
		{"", "na", ""},
	}
	for _, c := range cases {
		o := Observation{ClientID: "f", Phase: PhaseCounting, State: StateSubmitted, Answers: map[string]Answer{}}
		if c.parent != "" {
			o.Answers[parent] = c.parent
		}
		if c.follow != "" {
			o.Answers[follow] = c.follow
		}
		if got := codes(ValidateObservation(o, r)); got != c.want {
			t.Errorf("parent %q, follow-up %q: got %q, want %q", c.parent, c.follow, got, c.want)
		}
	}
	// The follow-up is a question of counting only.
	o := Observation{ClientID: "f", Phase: PhaseVoting, State: StateSubmitted, Answers: map[string]Answer{follow: "na"}}
	if got := codes(ValidateObservation(o, r)); got != "answers."+follow+"=unknown_question" {
		t.Errorf("got %q", got)
	}
}

// The derived checks are shown beside the answers, never refused.
func TestReviewInconsistentFiguresAccepted(t *testing.T) {
	r := NewRules(StandardStatsSchema(), reviewNow)
	o := Observation{ClientID: "p", Phase: PhaseCounting, State: StateSubmitted,
		Answers: map[string]Answer{"count_ballots_exceed_voters": AnswerNo},
		Protocol: &Protocol{RegisteredVoters: i64(100), BallotsReceived: i64(50), VotersVoted: i64(120),
			HomeboundRequests: i64(1), BallotsStationary: i64(150), BallotsMobile: i64(30), BallotsInvalid: i64(0),
			BallotsCancelled: i64(0), Votes: map[string]int64{"c1": 500, "against_all": 10}}}
	if fe := ValidateObservation(o, r); fe != nil {
		t.Fatal(fe)
	}
	if got := strings.Join(FlaggedChecks(o.Protocol), ","); got != strings.Join(ProtocolCheckCodes, ",") {
		t.Fatalf("flagged %q", got)
	}
	o.Protocol.HomeboundRequests = i64(-1)
	if got := codes(ValidateObservation(o, r)); got != "protocol.homebound_requests=negative" {
		t.Fatalf("got %q", got)
	}
}

// An empty protocol records nothing and is stored as none: it is no figure on a
// form of another phase. Figures there are still refused.
func TestReviewEmptyProtocolOnOtherPhase(t *testing.T) {
	r := NewRules(StandardStatsSchema(), reviewNow)
	o, fe := DecodeObservationLine([]byte(`{"client_id": "v-1", "phase": "voting", "protocol": {"votes": {}}}`))
	if fe != nil {
		t.Fatal(fe)
	}
	if fe := ValidateObservation(o, r); fe != nil {
		t.Fatalf("empty protocol refused: %v", fe)
	}
	o.Protocol.VotersVoted = i64(5)
	if got := codes(ValidateObservation(o, r)); got != "protocol=protocol_not_counting" {
		t.Fatalf("got %q", got)
	}
	o.Phase = PhaseTabulation
	if got := codes(ValidateObservation(o, r)); got != "protocol=protocol_not_counting" {
		t.Fatalf("tabulation: got %q", got)
	}
}

func TestReviewIncidentRules(t *testing.T) {
	schema := StandardStatsSchema()
	schema.Categories = append(schema.Categories, Category{Code: "queue_chaos", Phase: PhaseAny},
		Category{Code: "old_custom", Phase: PhaseVoting, Retired: true})
	for i := range schema.Categories {
		if schema.Categories[i].Code == "proxy_voting" {
			schema.Categories[i].Retired = true
		}
	}
	r := NewRules(schema, reviewNow)
	base := Incident{ClientID: "i", Phase: PhaseVoting, OccurredAt: reviewNow.Add(-time.Hour), Witnessed: true}
	cases := []struct{ category, description, want string }{
		{"other", "", "description=description_required"},
		{"other", " \n ", "description=description_required"},
		{"other", "ballots burnt", ""},
		{"queue_chaos", "", ""},
		{"old_custom", "", "category=retired_category"},
		{"proxy_voting", "", "category=retired_category"},
		{"Ballot_Stuffing", "", "category=unknown_category"},
		{"", "", "category=required"},
	}
	for _, c := range cases {
		in := base
		in.Category, in.Description = c.category, c.description
		if got := codes(ValidateIncident(in, r)); got != c.want {
			t.Errorf("%q %q: got %q, want %q", c.category, c.description, got, c.want)
		}
	}
}
