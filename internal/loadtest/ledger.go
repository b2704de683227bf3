package loadtest

import (
	"fmt"
	"sync"
)

// Ledger is the clients' own record of every submission the server acknowledged
// (200/201 with an id): after the run, each must be in the database, complete, once.
type Ledger struct {
	mu       sync.Mutex
	Obs      map[string]*AckedObservation // by client_id
	Inc      map[string]*AckedIncident    // by client_id
	Evidence map[string]*AckedEvidence    // by incident (id or client_id) and SHA-256
	// Mismatches are acknowledgements that contradict an earlier one (the same
	// client_id answered with another id): duplicates as the clients see them.
	Mismatches []string
}

// AckedObservation is an acknowledged observation and what was sent.
type AckedObservation struct {
	ID   int64
	Sent Observation
	Via  Kind
}

// AckedIncident is an acknowledged incident and what was sent.
type AckedIncident struct {
	ID   int64
	Sent Incident
	Via  Kind
	// Token is the filer's API token, to read the incident back through the API.
	Token string
}

// AckedEvidence is an acknowledged evidence file.
type AckedEvidence struct {
	// IncidentID is the incident's id; uploads with the HTML form learn no id, and
	// name the incident by IncidentClientID instead.
	IncidentID       int64
	IncidentClientID string
	SHA256           string
	Size             int
}

// NewLedger makes an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{Obs: map[string]*AckedObservation{}, Inc: map[string]*AckedIncident{}, Evidence: map[string]*AckedEvidence{}}
}

func (l *Ledger) ackObservation(o Observation, id int64, via Kind) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.Obs[o.ClientID]; ok {
		if old.ID != id {
			l.Mismatches = append(l.Mismatches, fmt.Sprintf("observation %s acknowledged as %d and as %d", o.ClientID, old.ID, id))
		}
		return
	}
	l.Obs[o.ClientID] = &AckedObservation{ID: id, Sent: o, Via: via}
}

func (l *Ledger) ackIncident(in Incident, id int64, via Kind, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if old, ok := l.Inc[in.ClientID]; ok {
		if old.ID != id {
			l.Mismatches = append(l.Mismatches, fmt.Sprintf("incident %s acknowledged as %d and as %d", in.ClientID, old.ID, id))
		}
		return
	}
	l.Inc[in.ClientID] = &AckedIncident{ID: id, Sent: in, Via: via, Token: token}
}

func (l *Ledger) ackEvidence(incidentID int64, sha string, size int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Evidence[fmt.Sprintf("%d/%s", incidentID, sha)] = &AckedEvidence{IncidentID: incidentID, SHA256: sha, Size: size}
}

func (l *Ledger) ackEvidenceOf(incidentClientID string, sha string, size int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Evidence[incidentClientID+"/"+sha] = &AckedEvidence{IncidentClientID: incidentClientID, SHA256: sha, Size: size}
}

// Counts returns how many submissions of each sort were acknowledged.
func (l *Ledger) Counts() (obs, inc, ev int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.Obs), len(l.Inc), len(l.Evidence)
}

// incidents returns a snapshot of the acknowledged incidents whose id and filer's
// token are known (those filed through the API).
func (l *Ledger) incidents() []AckedIncident {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]AckedIncident, 0, len(l.Inc))
	for _, in := range l.Inc {
		if in.ID != 0 && in.Token != "" {
			out = append(out, *in)
		}
	}
	return out
}
