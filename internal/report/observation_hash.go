package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"
)

// Content hashes make submissions idempotent (formats.md): a client_id sent again
// with the same content is the same submission; with other content, a conflict.
// The hash covers what the submitter said, never what the server adds (ids of the
// record itself, times of saving, who saved it), and is the same however the
// content was spelled: times in UTC, answers and votes by code, empty as absent.

type observationContent struct {
	Station    int64            `json:"station"`
	Phase      Phase            `json:"phase"`
	Observer   int64            `json:"observer"`
	ArrivedAt  string           `json:"arrived_at"`
	LeftAt     string           `json:"left_at"`
	Assessment Assessment       `json:"assessment"`
	Answers    json.RawMessage  `json:"answers"`  // ObservationEncoding.Answers
	Protocol   json.RawMessage  `json:"protocol"` // ObservationEncoding.Protocol (nil: null)
	Notes      string           `json:"notes"`
	State      ObservationState `json:"state"`
	Incidents  []string         `json:"incidents"`
}

type incidentContent struct {
	Station     int64  `json:"station"`
	Phase       Phase  `json:"phase"`
	Category    string `json:"category"`
	OccurredAt  string `json:"occurred_at"`
	Witnessed   bool   `json:"witnessed"`
	Description string `json:"description"`
	Observation int64  `json:"observation"`
	Observer    int64  `json:"observer"`
}

// hashJSON is the SHA-256, in hex, of v as json.Marshal writes it. v is one of the
// content structs of this package, whose fields json.Marshal cannot fail on.
func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("report: hashing content: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func canonTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// NormalizeProtocol returns nil for a protocol with nothing recorded, so an empty
// protocol and no protocol are the same content.
func NormalizeProtocol(p *Protocol) *Protocol {
	if p == nil {
		return nil
	}
	for _, f := range ProtocolFigures {
		if p.Figure(f) != nil {
			return p
		}
	}
	if len(p.Votes) > 0 {
		return p
	}
	return nil
}

// ObservationContentHash is the hash of an observation as submitted, with the
// incidents it was submitted with (each hashed without its observation id, which
// does not exist before the first save).
func ObservationContentHash(o Observation) string { return EncodeObservation(o).Hash }

// ObservationEncoding is an observation's answers and protocol as JSON, encoded
// once for the stored row, the content hash and the audit entry.
type ObservationEncoding struct {
	Answers  json.RawMessage // the answers given, by code (empty ones left out)
	Protocol json.RawMessage // nil when the protocol records nothing
	Hash     string          // ObservationContentHash
}

// EncodeObservation encodes an observation's answers and protocol and computes its
// content hash.
func EncodeObservation(o Observation) ObservationEncoding {
	var e ObservationEncoding
	e.Answers = encodeAnswers(o.Answers)
	if p := NormalizeProtocol(o.Protocol); p != nil {
		e.Protocol, _ = json.Marshal(p)
	}
	c := observationContent{
		Station: o.StationID, Phase: o.Phase, Observer: o.ObserverID,
		ArrivedAt: canonTime(o.ArrivedAt), LeftAt: canonTime(o.LeftAt),
		Assessment: o.Assessment, Answers: e.Answers, Protocol: e.Protocol,
		Notes: o.Notes, State: o.State, Incidents: []string{},
	}
	incs := append([]Incident(nil), o.Incidents...)
	sort.Slice(incs, func(i, j int) bool { return incs[i].ClientID < incs[j].ClientID })
	for _, in := range incs {
		in.ObservationID = 0
		c.Incidents = append(c.Incidents, in.ClientID+":"+IncidentContentHash(in))
	}
	e.Hash = hashJSON(c)
	return e
}

// IncidentContentHash is the hash of an incident as submitted.
func IncidentContentHash(in Incident) string {
	occurred := in.OccurredAt
	return hashJSON(incidentContent{
		Station: in.StationID, Phase: in.Phase, Category: in.Category,
		OccurredAt: canonTime(&occurred), Witnessed: in.Witnessed, Description: in.Description,
		Observation: in.ObservationID, Observer: in.ObserverID,
	})
}

// encodeAnswers writes the answers given, empty ones left out (json.Marshal writes
// a map's keys in order, so the same answers always give the same bytes).
func encodeAnswers(answers map[string]Answer) []byte {
	given := make(map[string]Answer, len(answers))
	for k, v := range answers {
		if v != "" {
			given[k] = v
		}
	}
	b, _ := json.Marshal(given) // strings only: cannot fail
	return b
}
