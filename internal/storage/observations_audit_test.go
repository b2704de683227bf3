package storage

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/observerkz/observer/internal/report"
)

// The audit entry of an observation is written by a struct now, where a map wrote
// it before: entries already in the log and new ones must read the same.
func TestObservationAuditJSONIsUnchanged(t *testing.T) {
	legacy := func(o report.Observation) string {
		e := report.EncodeObservation(o)
		v := map[string]any{
			"client_id": o.ClientID, "station_id": o.StationID, "station": o.Station.Code, "phase": o.Phase,
			"observer": o.ObserverCode, "arrived_at": fmtTimePtr(o.ArrivedAt), "left_at": fmtTimePtr(o.LeftAt),
			"assessment": o.Assessment, "answers": e.Answers, "notes": o.Notes, "state": o.State,
		}
		if e.Protocol != nil {
			v["protocol"] = e.Protocol
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	f := &recFixture{}
	base := countingForm(f, "<c&1>")
	base.StationID, base.ObserverCode, base.Notes = 7, "OBS-1", "Қ <b>\u2028"
	noProtocol := base
	noProtocol.Protocol, noProtocol.ArrivedAt, noProtocol.LeftAt, noProtocol.Answers = nil, nil, nil, nil
	for _, o := range []report.Observation{base, noProtocol} {
		if got, want := observationAudit(o), legacy(o); got != want {
			t.Errorf("audit entry\n got %s\nwant %s", got, want)
		}
	}
	// Every way json.Marshal escapes, in every text field.
	tricky := []string{"", "a", "<script>&amp;", "Қазақ ӘҒҚҢӨҰҮҺІ", "\u2028\u2029", "\"q\"\\", "\x00\x1f\b\t\x7f", "\xff\xfe", "=1+1"}
	rnd := rand.New(rand.NewPCG(7, 8))
	pick := func() string { return tricky[rnd.IntN(len(tricky))] + tricky[rnd.IntN(len(tricky))] }
	for i := range 2000 {
		o := base
		if rnd.IntN(2) == 0 {
			o = noProtocol
		}
		o.ClientID, o.Station.Code, o.ObserverCode, o.Notes = pick(), pick(), pick(), pick()
		o.Phase, o.State, o.Assessment = report.Phase(pick()), report.ObservationState(pick()), report.Assessment(pick())
		o.StationID = rnd.Int64() - rnd.Int64()
		o.Answers = map[string]report.Answer{pick(): report.Answer(pick()), "q1": "yes"}
		if got, want := observationAudit(o), legacy(o); got != want {
			t.Fatalf("case %d: audit entry\n got %s\nwant %s", i, got, want)
		}
	}
}
