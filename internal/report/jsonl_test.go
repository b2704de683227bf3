package report

import (
	"testing"
	"time"
)

const sampleLine = `{"client_id": "8f1c", "station": "071-023", "phase": "counting", "observer": "OBS-0142",
 "arrived_at": "2022-11-20T19:40:00+06:00", "left_at": "2022-11-20T23:05:00+06:00",
 "assessment": "bad",
 "answers": {"count_mobile_exceeds_requests": "yes", "count_mobile_excess_invalidated": "no"},
 "protocol": {"registered_voters": 1520, "voters_voted": 1011, "homebound_requests": 12,
              "ballots_stationary": 990, "ballots_mobile": 31, "votes": {"c1": 820, "against_all": 60}},
 "incidents": [{"client_id": "8f1c-1", "category": "ballot_stuffing", "occurred_at": "2022-11-20T20:10:00+06:00",
                "witnessed": true, "description": "Пачка бюллетеней"}],
 "notes": "…"}`

func TestDecodeObservationLine(t *testing.T) {
	o, fe := DecodeObservationLine([]byte(sampleLine))
	if fe != nil {
		t.Fatal(fe)
	}
	if o.ClientID != "8f1c" || o.Station.Code != "071-023" || o.Phase != PhaseCounting || o.ObserverCode != "OBS-0142" {
		t.Fatalf("fields: %+v", o)
	}
	if !o.ArrivedAt.Equal(time.Date(2022, 11, 20, 13, 40, 0, 0, time.UTC)) || o.State != StateSubmitted {
		t.Fatalf("arrived %v state %s", o.ArrivedAt, o.State)
	}
	if *o.Protocol.BallotsMobile != 31 || o.Protocol.Votes["against_all"] != 60 || o.Protocol.BallotsInvalid != nil {
		t.Fatalf("protocol %+v", o.Protocol)
	}
	if len(o.Incidents) != 1 || o.Incidents[0].Phase != PhaseCounting || !o.Incidents[0].Witnessed || o.Incidents[0].Description != "Пачка бюллетеней" {
		t.Fatalf("incidents %+v", o.Incidents)
	}
	if fe := ValidateObservation(o, NewRules(StandardStatsSchema(), time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))); fe != nil {
		t.Fatal(fe)
	}
}

func TestDecodeObservationLineErrors(t *testing.T) {
	cases := []struct{ line, want string }{
		{`{"client_id": "a", "phase": "voting", "colour": "red"}`, "colour=unknown_field"},
		{`{"client_id": "a", "arrived_at": "2022-11-20T19:40:00"}`, "arrived_at=bad_time"},
		{`{"client_id": "a", "arrived_at": "20.11.2022 19:40"}`, "arrived_at=bad_time"},
		{`{"client_id": 5}`, "client_id=bad_value"},
		{`{"answers": {"q": 1}}`, "answers=bad_value"},
		{`{"protocol": {"ballots_mobile": 1.5}}`, "protocol.ballots_mobile=bad_value"},
		{`{"protocol": {"ballots_moble": 1}}`, "protocol.ballots_moble=unknown_field"},
		{`{"protocol": [1]}`, "protocol=bad_json"},
		{`{"incidents": [{"client_id": "i", "category": "x", "occurred_at": "2022-11-20T20:10:00+06:00", "seen": true}]}`,
			"incidents[0].seen=unknown_field,incidents[0].witnessed=required"},
		{`{"station": "A", "incidents": [{"station": "B", "witnessed": false}]}`, "incidents[0].station=other_station"},
		{`{"client_id": "a"} {"client_id": "b"}`, "line=bad_json"},
		{`{"client_id": "a"`, "line=bad_json"},
		{`[]`, "line=bad_json"},
		{``, "line=bad_json"},
	}
	for _, c := range cases {
		_, fe := DecodeObservationLine([]byte(c.line))
		if got := codes(fe); got != c.want {
			t.Errorf("%s: got %q, want %q", c.line, got, c.want)
		}
	}
}

func TestDecodeIncidentJSON(t *testing.T) {
	in, fe := DecodeIncidentJSON([]byte(`{"client_id": "x", "station": "071-023", "phase": "voting", "category": "carousel_voting",
		"occurred_at": "2022-11-20T10:00:00+06:00", "witnessed": false, "description": "d", "observation_id": 4}`))
	if fe != nil {
		t.Fatal(fe)
	}
	if in.Station.Code != "071-023" || in.Witnessed || in.ObservationID != 4 || in.OccurredAt.Hour() != 10 {
		t.Fatalf("%+v", in)
	}
}

// FuzzDecodeObservationLine: whatever a file holds, decoding never panics, and a
// line it accepts decodes again to content with the same hash.
func FuzzDecodeObservationLine(f *testing.F) {
	f.Add(sampleLine)
	f.Add(`{"client_id": "a", "phase": "voting", "answers": {"vote_pressure": "yes"}}`)
	f.Add(`{"protocol": {"votes": {"": -1}}, "incidents": [null, {}]}`)
	f.Add(`{"arrived_at": "2022-11-20T19:40:00Z", "left_at": null}`)
	f.Add(`{"incidents": "x", "answers": null}`)
	rules := NewRules(StandardStatsSchema(), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	f.Fuzz(func(t *testing.T, line string) {
		o, fe := DecodeObservationLine([]byte(line))
		for _, e := range fe {
			if e.Field == "" || e.Message() == "" {
				t.Fatalf("error without field or message: %+v", e)
			}
		}
		if fe != nil {
			return
		}
		_ = ValidateObservation(o, rules)
		again, fe2 := DecodeObservationLine([]byte(line))
		if fe2 != nil || ObservationContentHash(o) != ObservationContentHash(again) {
			t.Fatal("decoding is not deterministic")
		}
	})
}
