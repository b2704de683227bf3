package web

import (
	"net/url"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// FuzzIncidentForm: whatever the incident form posts, decoding it and validating
// the result never panics, every error names its field and says something, and
// the same post decodes to the same incident (so a resend is recognised).
func FuzzIncidentForm(f *testing.F) {
	f.Add("client_id=abc&phase=voting&category=carousel_voting&occurred_at=2022-11-20T10:00&witnessed=true&description=Bus+again")
	f.Add("phase=counting&category=ballot_stuffing&occurred_at=2022-11-20T10:00%2B06:00&description=%3Cscript%3E")
	f.Add("occurred_at=20-11-2022&phase=x&category=&witnessed=yes")
	f.Add("occurred_at=9999-12-31T23:59&description=" + url.QueryEscape("Вброс\r\nбюллетеней; =cmd|' /C calc'!A0"))
	f.Add("%zz&=&occurred_at=")
	almaty := time.FixedZone("Asia/Almaty", 6*3600)
	rules := report.NewRules(report.StandardStatsSchema(), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, body string) {
		form, _ := url.ParseQuery(body)
		in, fe := decodeIncidentForm(form, almaty)
		for _, e := range fe {
			if e.Field == "" || e.Message() == "" {
				t.Fatalf("error without field or message: %+v", e)
			}
		}
		for _, e := range report.ValidateIncident(in, rules) {
			if e.Field == "" || e.Message() == "" {
				t.Fatalf("validation error without field or message: %+v", e)
			}
		}
		again, _ := decodeIncidentForm(form, almaty)
		if report.IncidentContentHash(in) != report.IncidentContentHash(again) {
			t.Fatal("the same post decoded twice differs")
		}
	})
}
