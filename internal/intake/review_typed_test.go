package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/web/i18n"
)

// Messages typed as observers type them, each read against intake.md's rules.
func TestReviewTypedMessages(t *testing.T) {
	for _, c := range []struct{ ctx, msg, want string }{
		// "where a digit is expected (… a number) O/О reads as 0 and l/I/І as 1":
		// a question's number is a number.
		{"one@21:30", "071-023 #3 l+ 2-", "obs 071-023 counting count_unused_cancelled=yes count_procedures_followed=no"},
		{"one@21:30", "071-023 #3 I- 2+", "obs 071-023 counting count_unused_cancelled=no count_procedures_followed=yes"},
		{"one@21:30", "071-023 #3 І+", "obs 071-023 counting count_unused_cancelled=yes"},
		{"one@21:30", "071-023 #3 lO", "obs 071-023 counting count_unused_cancelled=na"},
		{"one@21:30", "071-023 #3 і0", "obs 071-023 counting count_unused_cancelled=na"},
		{"one@21:30", "071-023 #3 lO+ ll- l2+", "obs 071-023 counting count_protocol_posted=yes count_protocol_copy_given=no count_observers_restricted=yes"},
		{"one@21:30", "071-023 #3 1l+", "obs 071-023 counting count_protocol_copy_given=yes"},
		{"one@07:40", "071-023 #l l+ *l", "obs 071-023 opening open_on_time=yes *very_good"},
		// words of look-alike letters still start the notes
		{"one@21:30", "071-023 #3 l+ Он ушёл", "obs 071-023 counting count_unused_cancelled=yes :: Он ушёл"},
		{"one@21:30", "071-023 #3 On time", "obs 071-023 counting :: On time"},
		{"one@21:30", "071-023 #3 IN the count", "obs 071-023 counting :: IN the count"},
		// the answer is read as typed: Latin H and Cyrillic У are no answers
		{"one@12:00", "071-023 #2 1Н 2н 3Д 4y 5И 6ж 7N", "obs 071-023 voting vote_box_sealed=no vote_secrecy_ensured=no vote_id_checked=yes vote_stuffing_indications=yes vote_carousel_indications=yes vote_group_voting=no vote_identical_signatures=no"},
		{"one@12:00", "071-023 #2 1H", "obs 071-023 voting :: 1H"},
		{"one@12:00", "071-023 #2 1У", "obs 071-023 voting :: 1У"},
		// votes are by "a code that is not a plain number": a long number is a figure's key
		{"one@21:30", "071-023 #3 12345:100", "refuse unknown_figure 12345:100"},
		{"one@21:30", "071-023 #3 l:l84O С1:6ll", "obs 071-023 counting registered_voters=1840 v.c1=611"},
		// separators: spaces, commas, semicolons, in any number
		{"one@12:00", "071-023;#2;1+;2-;*2;всё хорошо", "obs 071-023 voting vote_box_sealed=yes vote_secrecy_ensured=no *good :: всё хорошо"},
		{"one@12:00", "071-023 ,, #2 ;1+ , 2-", "obs 071-023 voting vote_box_sealed=yes vote_secrecy_ensured=no"},
		{"one@10:00", "і0і-00і !і? автобус", "inc 101-001 voting observer_removed? :: автобус"},
		{"one@10:00", "071-023\n!3\nавтобус", "inc 071-023 voting carousel_voting :: автобус"},
	} {
		got := describe(Parse(c.msg, testContext(t, c.ctx)))
		if got != c.want {
			t.Errorf("%q\n got: %s\nwant: %s", c.msg, got, c.want)
		}
	}
}

// A station whose time zone does not load has none: the election's zone counts.
func TestReviewPhaseAtBadStationZone(t *testing.T) {
	zone := time.FixedZone("+05", 5*3600)
	st := report.Station{Timezone: "Nowhere/Atlantis"}
	at := time.Date(2026, 3, 15, 7, 30, 0, 0, zone) // 02:30 UTC
	if got := PhaseAt(at, st, "2026-03-15", zone); got != report.PhaseOpening {
		t.Errorf("07:30 in the election's zone: %s, want opening", got)
	}
	at = time.Date(2026, 3, 15, 20, 30, 0, 0, zone) // 15:30 UTC
	if got := PhaseAt(at, st, "2026-03-15", zone); got != report.PhaseCounting {
		t.Errorf("20:30 in the election's zone: %s, want counting", got)
	}
}

// An unknown question found by validation still says the phase's last number.
func TestReviewUnknownQuestionNamesTheRange(t *testing.T) {
	ctx := testContext(t, "one@21:30")
	ctx.Schema = report.StandardStatsSchema()
	cl := ctx.Schema.Checklists[report.PhaseCounting]
	cl.Questions = cl.Questions[1:] // the checklist lacks question 1
	ctx.Schema.Checklists[report.PhaseCounting] = cl
	_, ref := Parse("071-023 #3 1+", ctx)
	if ref == nil || ref.Reason != UnknownQuestion || ref.Param == "" {
		t.Fatalf("refusal %+v", ref)
	}
	if text := ref.Text(i18n.New("en")); !strings.Contains(text, "1-12") {
		t.Errorf("answer %q", text)
	}
}
