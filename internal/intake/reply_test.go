package intake

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

var allReasons = []string{
	Unparsed, UnknownSender, TooLong, StationRequired, UnknownStation, BadCategory,
	UnknownCategory, BadPhase, Mixed, BadAssessment, BadNumber, UnknownFigure,
	UnknownQuestion, Duplicate, FollowUp, Negative, TooLarge, BadVoteCode, DescribeOther,
	NotCounting, InFuture, Invalid,
}

func TestRefusalsFitTwoSegmentsAndNameTheToken(t *testing.T) {
	for _, lang := range i18n.Languages {
		tr := i18n.New(lang)
		for _, reason := range allReasons {
			for _, tok := range []string{"!99", "жәмит:40000000000000000000", strings.Repeat("x", 300)} {
				r := &Refusal{Reason: reason, Token: tok, Param: "35"}
				text := r.Text(tr)
				if strings.HasPrefix(text, "intake.") {
					t.Fatalf("%s %s: no text in the catalogue", lang, reason)
				}
				if !Fits(text) {
					t.Errorf("%s %s: %q does not fit two segments", lang, reason, text)
				}
				if strings.Contains(text, "{{") {
					t.Errorf("%s %s: placeholder left: %q", lang, reason, text)
				}
				if tok == "!99" && strings.Contains(tr.T("intake.refused."+reason, "Token", "⟦T⟧"), "⟦T⟧") &&
					!strings.Contains(text, "!99") {
					t.Errorf("%s %s: %q does not name the token", lang, reason, text)
				}
			}
		}
	}
}

func TestRefusalsOfParsedMessagesNameTheToken(t *testing.T) {
	ctx := testContext(t, "one@10:00")
	for msg, tok := range map[string]string{
		"071-023 !99 bus": "!99", "999-999 !3": "999-999", "071-023 #3 9:100": "9:100",
		"071-023 #3 5- 6+": "6+", "071-023 #7": "#7",
	} {
		_, ref := Parse(msg, ctx)
		if ref == nil {
			t.Fatalf("%q accepted", msg)
		}
		for _, lang := range i18n.Languages {
			if text := ref.Text(i18n.New(lang)); !strings.Contains(text, tok) {
				t.Errorf("%s: %q: answer %q does not name %q", lang, msg, text, tok)
			}
		}
	}
}

func TestReplies(t *testing.T) {
	ctx := testContext(t, "one@10:00")
	m, ref := Parse("071-023 !3 students brought by bus", ctx)
	if ref != nil {
		t.Fatal(ref)
	}
	got := Reply(i18n.New("en"), Outcome{Message: m, IDs: []int64{4812}})
	if got != "OK #4812: 071-023, carousel voting (seen)" {
		t.Errorf("reply %q", got)
	}
	// every category at once still fits, in every language
	var all strings.Builder
	all.WriteString("071-023 #3")
	for i := 1; i <= 34; i++ {
		all.WriteString(" !" + strings.Repeat("", 0) + itoa(i) + "?")
	}
	all.WriteString(" everything")
	m, ref = Parse(all.String(), testContext(t, "one@21:00"))
	if ref != nil {
		t.Fatal(ref)
	}
	ids := make([]int64, 35)
	for i := range ids {
		ids[i] = int64(100000 + i)
	}
	for _, lang := range i18n.Languages {
		tr := i18n.New(lang)
		text := Reply(tr, Outcome{Message: m, IDs: ids})
		if !Fits(text) || !strings.HasPrefix(text, "OK #100000") {
			t.Errorf("%s: %q", lang, text)
		}
		for _, k := range []Kind{KindCheckIn, KindCheckOut} {
			text := Reply(tr, Outcome{Message: Message{Kind: k, Station: report.Station{Code: "071-023"}}})
			if !Fits(text) || !strings.Contains(text, "071-023") {
				t.Errorf("%s %s: %q", lang, k, text)
			}
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestSMSLength(t *testing.T) {
	for s, want := range map[string]struct {
		n    int
		ucs2 bool
	}{
		"OK #1": {5, false}, "a{b}": {6, false}, "Привет": {6, true}, "€": {2, false}, "😀": {2, true},
	} {
		n, u := SMSLength(s)
		if n != want.n || u != want.ucs2 {
			t.Errorf("%q: %d %v, want %d %v", s, n, u, want.n, want.ucs2)
		}
	}
	long := strings.Repeat("ж", 200)
	if f := Fit(long); !Fits(f) || utf8.RuneCountInString(f) != MaxUCS2 {
		t.Errorf("Fit gave %d characters", utf8.RuneCountInString(f))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"071-023 !3 students brought by bus", "071-023 #3 1+ 2- *3 1:1840 c1:611 notes",
		"!3? bus", "#0", "О71-О23 !lO", "071-023 # 0", "! ?", "#3 :: *", "071-023 #3 1:-5",
	} {
		f.Add(s)
	}
	ctx := testContext(f, "one@21:00")
	f.Fuzz(func(t *testing.T, s string) {
		m, ref := Parse(s, ctx)
		if ref != nil {
			if m.Kind != "" {
				t.Fatalf("refused %q but returned a message", s)
			}
			for _, lang := range i18n.Languages {
				if text := ref.Text(i18n.New(lang)); !Fits(text) {
					t.Fatalf("%q: refusal %q longer than two segments", s, text)
				}
			}
			return
		}
		rules := report.NewRules(report.StandardStatsSchema(), ctx.Received)
		switch m.Kind {
		case KindObservation:
			if fe := report.ValidateObservation(m.Observation, rules); len(fe) > 0 {
				t.Fatalf("%q: accepted an invalid observation: %v", s, fe)
			}
		case KindIncidents:
			if len(m.Incidents) == 0 {
				t.Fatalf("%q: no incidents", s)
			}
			for _, in := range m.Incidents {
				if fe := report.ValidateIncident(in, rules); len(fe) > 0 {
					t.Fatalf("%q: accepted an invalid incident: %v", s, fe)
				}
			}
		case KindCheckIn, KindCheckOut:
		default:
			t.Fatalf("%q: kind %q", s, m.Kind)
		}
		if m.Station.ID == 0 {
			t.Fatalf("%q: no station", s)
		}
	})
}
