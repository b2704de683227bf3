// Package intake reads the coded text messages observers send by SMS or
// Telegram (the message language of intake.md) into the observation and
// incident shapes the API takes, and words the answers sent back. It is pure:
// no HTTP server, no SQL; the caller looks stations up and stores the records.
package intake

import (
	"time"

	"github.com/observerkz/observer/internal/report"
)

// Kind says what a message carries.
type Kind string

const (
	KindCheckIn     Kind = "check_in"
	KindCheckOut    Kind = "check_out"
	KindObservation Kind = "observation"
	KindIncidents   Kind = "incidents"
)

// Context is what a message is read against: the sender's election and
// stations, and when it arrived.
type Context struct {
	// Schema is the election's checklists and categories (standard when empty).
	Schema report.StatsSchema
	// Categories numbers the categories (CategoryNumbers); standard when nil.
	Categories []string
	// ElectionDate (YYYY-MM-DD) and ElectionZone give an incident without an
	// observation its phase; a station's own time zone comes first.
	ElectionDate string
	ElectionZone *time.Location
	// Received is when the message was received (the gateway's time, else its
	// arrival); Now is the server's clock for validation (Received when zero).
	Received time.Time
	Now      time.Time
	// ClientID is the base of the records' client ids (at most 60 characters):
	// the observation's is ClientID, its incidents' ClientID/1, ClientID/2…
	ClientID string
	// Assigned are the sender's assigned stations: a message without a station
	// is allowed when there is exactly one.
	Assigned []report.Station
	// Station finds a station of the election by StationKey of its code.
	Station func(key string) (report.Station, bool)
}

// Message is a message understood and valid: the records to store.
type Message struct {
	Kind    Kind
	Station report.Station
	// Observation is set for KindObservation; its Incidents are the message's.
	Observation report.Observation
	// Incidents are set for KindIncidents.
	Incidents []report.Incident
	// Text is the free text as typed (notes or description).
	Text string
}

// Records returns the incidents of the message, whichever kind holds them.
func (m Message) Records() []report.Incident {
	if m.Kind == KindObservation {
		return m.Observation.Incidents
	}
	return m.Incidents
}
