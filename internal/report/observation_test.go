package report

import (
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2022, 11, 20, 18, 0, 0, 0, time.UTC)

func tp(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func i64(v int64) *int64 { return &v }

func validCounting() Observation {
	return Observation{
		ClientID: "c-1", StationID: 7, Phase: PhaseCounting, State: StateSubmitted,
		ArrivedAt: tp("2022-11-20T19:40:00+06:00"), LeftAt: tp("2022-11-20T23:05:00+06:00"),
		Assessment: AssessBad,
		Answers: map[string]Answer{
			"count_mobile_exceeds_requests":   AnswerYes,
			"count_mobile_excess_invalidated": AnswerNo,
		},
		Protocol: &Protocol{RegisteredVoters: i64(1520), VotersVoted: i64(1011), Votes: map[string]int64{"c1": 820, "against_all": 60}},
	}
}

func codes(fe FieldErrors) string {
	var parts []string
	for _, e := range fe {
		parts = append(parts, e.Field+"="+e.Code)
	}
	return strings.Join(parts, ",")
}

func TestValidateObservation(t *testing.T) {
	now := time.Date(2022, 11, 21, 0, 0, 0, 0, time.UTC)
	r := NewRules(StandardStatsSchema(), now)
	if fe := ValidateObservation(validCounting(), r); fe != nil {
		t.Fatalf("valid form rejected: %v", fe)
	}
	cases := []struct {
		name string
		edit func(*Observation)
		want string
	}{
		{"unknown phase", func(o *Observation) { o.Phase = "lunch"; o.Protocol = nil }, "phase=unknown_phase"},
		{"no phase", func(o *Observation) { o.Phase = ""; o.Protocol = nil; o.Answers = nil }, "phase=required"},
		{"question of another phase", func(o *Observation) { o.Answers["vote_pressure"] = AnswerYes }, "answers.vote_pressure=unknown_question"},
		{"bad answer", func(o *Observation) { o.Answers["count_falsification"] = "maybe" }, "answers.count_falsification=bad_answer"},
		{"follow-up without trigger", func(o *Observation) { o.Answers["count_mobile_exceeds_requests"] = AnswerNo },
			"answers.count_mobile_excess_invalidated=followup_without_trigger"},
		{"left before arrived", func(o *Observation) { o.LeftAt = tp("2022-11-20T19:00:00+06:00") }, "left_at=left_before_arrived"},
		{"arrival in the future", func(o *Observation) { o.ArrivedAt = tp("2022-11-21T00:30:00Z"); o.LeftAt = nil }, "arrived_at=in_future"},
		{"negative figure", func(o *Observation) { o.Protocol.BallotsMobile = i64(-1) }, "protocol.ballots_mobile=negative"},
		{"negative votes", func(o *Observation) { o.Protocol.Votes["c1"] = -5 }, "protocol.votes.c1=negative"},
		{"bad vote code", func(o *Observation) { o.Protocol.Votes["a b"] = 1 }, "protocol.votes.a b=bad_vote_code"},
		{"protocol on voting form", func(o *Observation) { o.Phase = PhaseVoting; o.Answers = nil }, "protocol=protocol_not_counting"},
		{"bad assessment", func(o *Observation) { o.Assessment = "fine" }, "assessment=bad_assessment"},
		{"no client id", func(o *Observation) { o.ClientID = "" }, "client_id=bad_client_id"},
		{"long client id", func(o *Observation) { o.ClientID = strings.Repeat("x", 65) }, "client_id=bad_client_id"},
		{"bad state", func(o *Observation) { o.State = "" }, "state=bad_state"},
		{"long notes", func(o *Observation) { o.Notes = strings.Repeat("я", MaxNotes+1) }, "notes=too_long"},
		{"bad nested incident", func(o *Observation) {
			o.Incidents = []Incident{{ClientID: "i1", Category: "no_such", OccurredAt: *tp("2022-11-20T20:00:00+06:00")}}
		}, "incidents[0].category=unknown_category"},
		{"nested incident duplicates", func(o *Observation) {
			in := Incident{ClientID: "i1", Category: "ballot_stuffing", OccurredAt: *tp("2022-11-20T20:00:00+06:00")}
			o.Incidents = []Incident{in, in}
		}, "incidents[1].client_id=duplicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := validCounting()
			c.edit(&o)
			fe := ValidateObservation(o, r)
			if codes(fe) != c.want {
				t.Fatalf("got %q, want %q", codes(fe), c.want)
			}
			if fe.Error() == "" || fe.Map()[fe[0].Field] == "" {
				t.Fatal("errors without messages")
			}
		})
	}
}

func TestFollowUpNAWithoutTriggerIsFine(t *testing.T) {
	o := validCounting()
	o.Answers["count_mobile_exceeds_requests"] = AnswerNo
	o.Answers["count_mobile_excess_invalidated"] = AnswerNA
	if fe := ValidateObservation(o, NewRules(StandardStatsSchema(), testNow.Add(24*time.Hour))); fe != nil {
		t.Fatal(fe)
	}
}

func TestDropUntriggered(t *testing.T) {
	cl := StandardChecklist(PhaseCounting)
	a := map[string]Answer{"count_mobile_exceeds_requests": AnswerNo, "count_mobile_excess_invalidated": AnswerYes}
	DropUntriggered(a, cl)
	if _, ok := a["count_mobile_excess_invalidated"]; ok || len(a) != 1 {
		t.Fatalf("follow-up kept: %v", a)
	}
	a = map[string]Answer{"count_mobile_exceeds_requests": AnswerYes, "count_mobile_excess_invalidated": AnswerYes}
	DropUntriggered(a, cl)
	if len(a) != 2 {
		t.Fatalf("triggered follow-up dropped: %v", a)
	}
}

func TestValidateIncident(t *testing.T) {
	schema := StandardStatsSchema()
	for i := range schema.Categories {
		if schema.Categories[i].Code == "campaigning" {
			schema.Categories[i].Retired = true
		}
	}
	r := NewRules(schema, testNow)
	ok := Incident{ClientID: "i-1", Phase: PhaseVoting, Category: "ballot_stuffing", OccurredAt: testNow.Add(-time.Hour), Witnessed: true}
	if fe := ValidateIncident(ok, r); fe != nil {
		t.Fatal(fe)
	}
	cases := []struct {
		name string
		edit func(*Incident)
		want string
	}{
		{"unknown category", func(in *Incident) { in.Category = "tea_party" }, "category=unknown_category"},
		{"no category", func(in *Incident) { in.Category = "" }, "category=required"},
		{"retired category", func(in *Incident) { in.Category = "campaigning" }, "category=retired_category"},
		{"other needs a description", func(in *Incident) { in.Category = "other"; in.Description = "  " }, "description=description_required"},
		{"future", func(in *Incident) { in.OccurredAt = testNow.Add(ClockSkew + time.Minute) }, "occurred_at=in_future"},
		{"no time", func(in *Incident) { in.OccurredAt = time.Time{} }, "occurred_at=required"},
		{"bad phase", func(in *Incident) { in.Phase = "any" }, "phase=unknown_phase"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			if got := codes(ValidateIncident(in, r)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	// Within the clock skew is accepted; a retired category an edit keeps is too.
	in := ok
	in.OccurredAt = testNow.Add(ClockSkew - time.Minute)
	if fe := ValidateIncident(in, r); fe != nil {
		t.Fatal(fe)
	}
	in.Category = "campaigning"
	r.KeepCategory = "campaigning"
	if fe := ValidateIncident(in, r); fe != nil {
		t.Fatal(fe)
	}
}

func TestCategoriesForForm(t *testing.T) {
	schema := StandardStatsSchema()
	for i := range schema.Categories {
		if schema.Categories[i].Code == "campaigning" {
			schema.Categories[i].Retired = true
		}
	}
	cats := schema.CategoriesForForm(PhaseCounting, "")
	for i, code := range HeadlineCategories {
		if cats[i].Code != code {
			t.Fatalf("position %d: %s, want headline %s", i, cats[i].Code, code)
		}
	}
	if cats[4].Phase != PhaseCounting {
		t.Fatalf("after the headlines the form's phase comes first, got %s", cats[4].Code)
	}
	seen := map[string]bool{}
	for _, c := range cats {
		if seen[c.Code] {
			t.Fatalf("%s twice", c.Code)
		}
		seen[c.Code] = true
	}
	if seen["campaigning"] || len(cats) != len(Categories)-1 {
		t.Fatalf("retired category offered or some missing: %d", len(cats))
	}
	if cats := schema.CategoriesForForm(PhaseVoting, "campaigning"); len(cats) != len(Categories) {
		t.Fatal("the kept category is not offered")
	}
}

func TestContentHash(t *testing.T) {
	a := validCounting()
	b := validCounting()
	// Same instant in another zone, answers built in another order, empty answers.
	b.ArrivedAt = tp("2022-11-20T13:40:00Z")
	b.Answers = map[string]Answer{"count_mobile_excess_invalidated": AnswerNo, "count_mobile_exceeds_requests": AnswerYes, "count_falsification": ""}
	if ObservationContentHash(a) != ObservationContentHash(b) {
		t.Fatal("same content, different hash")
	}
	b.Notes = "x"
	if ObservationContentHash(a) == ObservationContentHash(b) {
		t.Fatal("different notes, same hash")
	}
	// Server-side fields do not count.
	c := validCounting()
	c.ID, c.UserID, c.CreatedAt = 9, 3, testNow
	if ObservationContentHash(a) != ObservationContentHash(c) {
		t.Fatal("server fields changed the hash")
	}
	// An empty protocol is no protocol.
	d, e := validCounting(), validCounting()
	d.Protocol, e.Protocol = nil, &Protocol{Votes: map[string]int64{}}
	if ObservationContentHash(d) != ObservationContentHash(e) {
		t.Fatal("empty protocol differs from none")
	}
	// Nested incidents count, in any order, without their observation id.
	i1 := Incident{ClientID: "i1", Category: "ballot_stuffing", OccurredAt: testNow, Witnessed: true}
	i2 := Incident{ClientID: "i2", Category: "carousel_voting", OccurredAt: testNow}
	f, g := validCounting(), validCounting()
	f.Incidents = []Incident{i1, i2}
	i1.ObservationID = 5
	g.Incidents = []Incident{i2, i1}
	if ObservationContentHash(f) != ObservationContentHash(g) {
		t.Fatal("incident order or observation id changed the hash")
	}
	g.Incidents[0].Witnessed = true
	if ObservationContentHash(f) == ObservationContentHash(g) {
		t.Fatal("incident change not seen")
	}
	if IncidentContentHash(i1) == IncidentContentHash(Incident{ClientID: "i1", Category: "ballot_stuffing", OccurredAt: testNow, Witnessed: true}) {
		t.Fatal("a standalone incident's observation id must count")
	}
}
