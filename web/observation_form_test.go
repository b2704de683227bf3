package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

func TestDecodeObservationForm(t *testing.T) {
	almaty, _ := time.LoadLocation("Asia/Almaty")
	form := countingForm("cid")
	form.Set("fig.ballots_invalid", "1\u00a0204")
	form.Add("vote_code", "c1")
	form.Add("vote_count", "5")
	form.Set("q.count_mobile_exceeds_requests", "no")
	o, fe := decodeObservationForm(form, report.PhaseCounting, report.StandardChecklist(report.PhaseCounting), almaty)
	if len(fe) != 1 || fe[0].Field != "protocol.votes.c1" || fe[0].Code != report.CodeDuplicate {
		t.Fatalf("errors: %v", fe)
	}
	if *o.Protocol.BallotsInvalid != 1204 || *o.Protocol.RegisteredVoters != 1520 || o.Protocol.Votes["c1"] != 820 {
		t.Fatalf("figures: %+v", o.Protocol)
	}
	if _, ok := o.Answers["count_mobile_excess_invalidated"]; ok {
		t.Fatal("follow-up kept although its parent is no")
	}
	if o.ArrivedAt.UTC().Format(time.RFC3339) != "2022-11-20T13:40:00Z" || o.ClientID != "cid" {
		t.Fatalf("arrived %v", o.ArrivedAt)
	}
	_, fe = decodeObservationForm(url.Values{"arrived_at": {"yesterday"}, "fig.ballots_mobile": {"3.5"}, "fig.colour": {"1"},
		"vote_code": {""}, "vote_count": {"7"}}, report.PhaseCounting, report.StandardChecklist(report.PhaseCounting), time.UTC)
	if got := codesOf(fe); got != "arrived_at=bad_time,protocol.ballots_mobile=bad_value,protocol.colour=unknown_field,protocol.votes=bad_vote_code" {
		t.Fatalf("errors: %s", got)
	}
}

func codesOf(fe report.FieldErrors) string {
	s := ""
	for i, e := range fe {
		if i > 0 {
			s += ","
		}
		s += e.Field + "=" + e.Code
	}
	return s
}

// FuzzObservationForm: whatever a browser (or anyone) posts, decoding never
// panics, never keeps an untriggered follow-up, reports every problem by field,
// and decodes the same way twice.
func FuzzObservationForm(f *testing.F) {
	f.Add(countingForm("seed").Encode(), "counting")
	f.Add("q.vote_pressure=yes&q.vote_pressure=no&arrived_at=2022-11-20T10:00&left_at=2022-11-20T09:00", "voting")
	f.Add("fig.ballots_mobile=-1&vote_code=a&vote_count=9999999999999999999999&vote_code=a&vote_count=1", "counting")
	f.Add("q.count_mobile_excess_invalidated=yes&arrived_at=2022-11-20T10:00%2B06:00", "counting")
	f.Add("%zz&=&q.=x&fig.=1", "opening")
	rules := report.NewRules(report.StandardStatsSchema(), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, body, phase string) {
		form, _ := url.ParseQuery(body)
		p := report.Phase(phase)
		cl := report.StandardChecklist(p)
		o, fe := decodeObservationForm(form, p, cl, time.UTC)
		for _, e := range fe {
			if e.Field == "" || e.Message() == "" {
				t.Fatalf("error without field or message: %+v", e)
			}
		}
		for code := range o.Answers {
			if q, ok := cl.Question(code); ok && q.IsFollowUp() && o.Answers[q.Parent] != q.Trigger {
				t.Fatalf("untriggered follow-up %s kept", code)
			}
		}
		o.State = report.StateSubmitted
		for _, e := range report.ValidateObservation(o, rules) {
			if e.Field == "" || e.Message() == "" {
				t.Fatalf("validation error without field or message: %+v", e)
			}
		}
		again, _ := decodeObservationForm(form, p, cl, time.UTC)
		again.State = report.StateSubmitted
		if report.ObservationContentHash(o) != report.ObservationContentHash(again) {
			t.Fatal("decoding is not deterministic")
		}
	})
}
