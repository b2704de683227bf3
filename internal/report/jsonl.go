package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// The JSON Lines shape of formats.md, decoded strictly: an unknown field, a value
// of the wrong type or a time without an offset is an error naming the field, so a
// typo in a hand-made file is reported rather than silently dropped.

var (
	observationFields = []string{"client_id", "station", "phase", "observer", "arrived_at", "left_at",
		"assessment", "answers", "protocol", "incidents", "notes"}
	incidentFields = []string{"client_id", "station", "phase", "category", "occurred_at", "witnessed",
		"description", "observation_id"}
	protocolFields = append(append([]string(nil), ProtocolFigures...), FigVotes)
)

// MaxLineBytes bounds one line of an observations file (and one API body).
const MaxLineBytes = 1 << 20

// object splits a JSON object into its fields, reporting unknown ones.
func object(raw []byte, known []string, prefix string) (map[string]json.RawMessage, FieldErrors) {
	var fe FieldErrors
	m, msg := decodeObject(raw)
	if msg != "" {
		field := strings.TrimSuffix(prefix, ".")
		if field == "" {
			field = "line"
		}
		fe.add(field, CodeBadJSON, msg)
		return nil, fe
	}
	var unknown []string
	for k := range m {
		if !contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		name := k
		if name == "" {
			name = `""`
		}
		fe.add(prefix+name, CodeUnknownField)
		delete(m, k)
	}
	return m, fe
}

// decodeObject decodes a JSON object into its fields' raw values, or says why it
// is not one.
func decodeObject(raw []byte) (m map[string]json.RawMessage, problem string) {
	if err := json.Unmarshal(raw, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && strings.HasSuffix(se.Error(), "after top-level value") {
			return nil, "more than one JSON value"
		}
		return nil, jsonErrText(err)
	}
	if m == nil {
		return nil, "expected a JSON object"
	}
	return m, ""
}

func jsonErrText(err error) string {
	var se *json.SyntaxError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		(errors.As(err, &se) && se.Error() == "unexpected end of JSON input") {
		return "the line ends too early"
	}
	if se != nil {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// field decodes one field into v; a wrong type is an error of that field. null
// leaves v as it is (absent).
func field(m map[string]json.RawMessage, name, prefix string, v any, fe *FieldErrors) bool {
	raw, ok := m[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		fe.add(prefix+name, CodeBadValue)
		return false
	}
	return true
}

// ParseTime reads an RFC 3339 time, which must carry its offset: a time without one
// could be off by the station's whole time zone.
func ParseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func timeField(m map[string]json.RawMessage, name, prefix string, fe *FieldErrors) *time.Time {
	var s string
	if !field(m, name, prefix, &s, fe) || s == "" {
		return nil
	}
	t, ok := ParseTime(s)
	if !ok {
		fe.add(prefix+name, CodeBadTime)
		return nil
	}
	return &t
}

// DecodeObservationLine reads one line of an observations file (or the body of an
// API call) into an observation: the station code is in o.Station.Code and the
// observer code in o.ObserverCode, for storage to resolve. Its state is submitted.
// The returned errors are decoding errors only; ValidateObservation follows.
func DecodeObservationLine(line []byte) (Observation, FieldErrors) {
	o := Observation{State: StateSubmitted}
	m, fe := object(line, observationFields, "")
	if m == nil {
		return o, fe
	}
	field(m, "client_id", "", &o.ClientID, &fe)
	field(m, "station", "", &o.Station.Code, &fe)
	var phase, assessment string
	field(m, "phase", "", &phase, &fe)
	o.Phase = Phase(phase)
	field(m, "observer", "", &o.ObserverCode, &fe)
	o.ArrivedAt = timeField(m, "arrived_at", "", &fe)
	o.LeftAt = timeField(m, "left_at", "", &fe)
	field(m, "assessment", "", &assessment, &fe)
	o.Assessment = Assessment(assessment)
	field(m, "answers", "", &o.Answers, &fe)
	field(m, "notes", "", &o.Notes, &fe)
	if raw, ok := m["protocol"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		pm, pe := object(raw, protocolFields, "protocol.")
		fe = append(fe, pe...)
		if pm != nil {
			p := &Protocol{}
			for _, f := range ProtocolFigures {
				var v int64
				if field(pm, f, "protocol.", &v, &fe) {
					p.SetFigure(f, &v)
				}
			}
			field(pm, FigVotes, "protocol.", &p.Votes, &fe)
			o.Protocol = p
		}
	}
	var incs []json.RawMessage
	field(m, "incidents", "", &incs, &fe)
	for i, raw := range incs {
		prefix := fmt.Sprintf("incidents[%d].", i)
		in, ie := decodeIncident(raw, prefix)
		fe = append(fe, ie...)
		if in.Station.Code != "" && in.Station.Code != o.Station.Code {
			fe.add(prefix+"station", CodeOtherStation)
		}
		if in.ObservationID != 0 {
			fe.add(prefix+"observation_id", CodeBadValue)
		}
		if in.Phase == "" {
			in.Phase = o.Phase
		}
		o.Incidents = append(o.Incidents, in)
	}
	if fe != nil {
		return o, fe
	}
	return o, nil
}

// DecodeIncidentJSON reads one incident as the API takes it: the station code is
// in in.Station.Code, for storage to resolve.
func DecodeIncidentJSON(body []byte) (Incident, FieldErrors) {
	in, fe := decodeIncident(body, "")
	if fe != nil {
		return in, fe
	}
	return in, nil
}

func decodeIncident(raw []byte, prefix string) (Incident, FieldErrors) {
	var in Incident
	m, fe := object(raw, incidentFields, prefix)
	if m == nil {
		return in, fe
	}
	field(m, "client_id", prefix, &in.ClientID, &fe)
	field(m, "station", prefix, &in.Station.Code, &fe)
	var phase string
	field(m, "phase", prefix, &phase, &fe)
	in.Phase = Phase(phase)
	field(m, "category", prefix, &in.Category, &fe)
	if t := timeField(m, "occurred_at", prefix, &fe); t != nil {
		in.OccurredAt = *t
	}
	var witnessed *bool
	if field(m, "witnessed", prefix, &witnessed, &fe) && witnessed != nil {
		in.Witnessed = *witnessed
	} else if !fe.Has(prefix + "witnessed") {
		fe.add(prefix+"witnessed", CodeRequired)
	}
	field(m, "description", prefix, &in.Description, &fe)
	field(m, "observation_id", prefix, &in.ObservationID, &fe)
	return in, fe
}
