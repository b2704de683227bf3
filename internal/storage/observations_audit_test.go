package storage

import (
	"encoding/json"
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
}
