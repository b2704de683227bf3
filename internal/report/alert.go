package report

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// DefaultAlertCategories are what a new subscription watches (intake.md: Alerts).
var DefaultAlertCategories = []string{"observer_removed", "observer_threatened", "observer_detained",
	"ballot_stuffing", "carousel_voting"}

// Alert channels.
const (
	ChannelTelegram = "telegram"
	ChannelEmail    = "email"
)

// AlertSubscription is what a coordinator asked to be alerted about. The scope is the
// coordinator's own (national, or their region): it is not chosen here.
type AlertSubscription struct {
	UserID     int64
	Categories []string
	ByTelegram bool
	ByEmail    bool
	Email      string
	// Silent: also alert when a checked-in observer in scope falls silent.
	Silent bool
}

// Watches reports whether the subscription covers the category.
func (s AlertSubscription) Watches(category string) bool {
	return slices.Contains(s.Categories, category)
}

// ValidateAlertSubscription checks a subscription against the election's categories.
func ValidateAlertSubscription(s AlertSubscription, known func(string) bool) FieldErrors {
	var fe FieldErrors
	if len(s.Categories) > 200 {
		fe = append(fe, FieldError{Field: "categories", Code: "too_many"})
	}
	for _, c := range s.Categories {
		if !known(c) {
			fe = append(fe, FieldError{Field: "categories", Code: "unknown_category"})
			break
		}
	}
	if s.ByEmail {
		if a, err := mail.ParseAddress(s.Email); err != nil || a.Address != s.Email || len(s.Email) > 254 {
			fe = append(fe, FieldError{Field: "email", Code: "invalid_email"})
		}
	}
	return fe
}

// AlertFacts is what an alert says: codes and numbers only, never a name or a phone.
type AlertFacts struct {
	Kind         string `json:"kind"` // "incident", "silent" or "replica_lag"
	IncidentID   int64  `json:"incident_id,omitempty"`
	Category     string `json:"category,omitempty"`
	Witnessed    bool   `json:"witnessed,omitempty"`
	StationCode  string `json:"station"`
	RegionCode   string `json:"region"`
	ObserverCode string `json:"observer"`
	// Replica and LagSeconds: the replica that fell behind, and by how much when
	// the alert was raised (At is when it stopped keeping up).
	Replica    string    `json:"replica,omitempty"`
	LagSeconds int       `json:"lag_s,omitempty"`
	At         time.Time `json:"at"`
}

// Alert kinds.
const (
	AlertIncident = "incident"
	AlertSilent   = "silent"
	// AlertReplicaLag goes to administrators: the replica is more than a minute
	// behind the database, so a loss of this machine now would lose that minute.
	AlertReplicaLag = "replica_lag"
)

// AlertLine is the one-line form of an alert, in the reader's language for the few
// words it has; every fact in it is a code.
func AlertLine(f AlertFacts, tr Translator) string {
	at := f.At.UTC().Format("15:04 UTC")
	switch f.Kind {
	case AlertSilent:
		return fmt.Sprintf("%s: %s, %s %s, %s %s", tr.T("alert.silent"), f.ObserverCode, tr.T("alert.station"), f.StationCode, tr.T("alert.since"), at)
	case AlertReplicaLag:
		return fmt.Sprintf("%s: %s. %s", tr.T("alert.replica_lag", "Seconds", f.LagSeconds, "Since", at), f.Replica, tr.T("alert.replica_lag_why"))
	}
	seen := tr.T("alert.seen")
	if !f.Witnessed {
		seen = tr.T("alert.reported")
	}
	return fmt.Sprintf("#%d %s (%s), %s %s, %s %s, %s, %s", f.IncidentID, f.Category, seen,
		tr.T("alert.station"), f.StationCode, tr.T("alert.region"), f.RegionCode, f.ObserverCode, at)
}

// AlertText is the whole message of one or more alerts: a title, one line per
// alert, and a link (the incident's page, or the incident list for a bundle).
func AlertText(facts []AlertFacts, link string, tr Translator) string {
	var b strings.Builder
	if len(facts) == 1 {
		b.WriteString(tr.T("alert.title"))
	} else {
		b.WriteString(tr.N("alert.bundle_title", len(facts)))
	}
	b.WriteString("\n")
	for _, f := range facts {
		b.WriteString(AlertLine(f, tr))
		b.WriteString("\n")
	}
	if link != "" {
		b.WriteString(link)
		b.WriteString("\n")
	}
	return b.String()
}
