// Package report is the domain of Observer: elections, stations, observations,
// incidents, the taxonomy and checklists, validation, statistics and evidence
// packs. It knows no HTTP and no SQL.
package report

// Phase is the part of election day an observation covers.
type Phase string

const (
	PhaseOpening    Phase = "opening"
	PhaseVoting     Phase = "voting"
	PhaseCounting   Phase = "counting"
	PhaseTabulation Phase = "tabulation"
	// PhaseAny marks a category seen in every phase; it is never an observation's phase.
	PhaseAny Phase = "any"
)

// Phases lists the observable phases in the order of the day.
var Phases = []Phase{PhaseOpening, PhaseVoting, PhaseCounting, PhaseTabulation}

// ValidPhase reports whether p is one of the four observable phases.
func ValidPhase(p Phase) bool {
	for _, q := range Phases {
		if p == q {
			return true
		}
	}
	return false
}

// Category is one incident category of taxonomy.md. Its name and definition
// are looked up in the translation catalogue under "category.<code>.name" and
// "category.<code>.definition".
type Category struct {
	Code     string
	Phase    Phase
	Headline bool
	Retired  bool
}

// Categories is the standard taxonomy, in the order of taxonomy.md. Codes are
// stable identifiers and must never change.
var Categories = []Category{
	{Code: "observer_denied_entry", Phase: PhaseAny},
	{Code: "observer_removed", Phase: PhaseAny, Headline: true},
	{Code: "observer_restricted", Phase: PhaseAny},
	{Code: "observer_photo_banned", Phase: PhaseAny},
	{Code: "observer_threatened", Phase: PhaseAny},
	{Code: "observer_detained", Phase: PhaseAny},
	{Code: "information_refused", Phase: PhaseAny},
	{Code: "complaint_refused", Phase: PhaseAny},
	{Code: "box_not_sealed", Phase: PhaseOpening},
	{Code: "opening_figures_withheld", Phase: PhaseOpening},
	{Code: "ballots_presigned", Phase: PhaseOpening},
	{Code: "ballot_stuffing", Phase: PhaseVoting, Headline: true},
	{Code: "carousel_voting", Phase: PhaseVoting, Headline: true},
	{Code: "multiple_voting", Phase: PhaseVoting},
	{Code: "identical_signatures", Phase: PhaseVoting},
	{Code: "group_voting", Phase: PhaseVoting},
	{Code: "proxy_voting", Phase: PhaseVoting},
	{Code: "voter_not_identified", Phase: PhaseVoting},
	{Code: "secrecy_violated", Phase: PhaseVoting},
	{Code: "voter_pressure", Phase: PhaseVoting},
	{Code: "vote_buying", Phase: PhaseVoting},
	{Code: "unauthorized_persons", Phase: PhaseVoting},
	{Code: "campaigning", Phase: PhaseVoting},
	{Code: "turnout_discrepancy", Phase: PhaseVoting},
	{Code: "mobile_box_irregularity", Phase: PhaseVoting},
	{Code: "count_procedure_violated", Phase: PhaseCounting},
	{Code: "ballots_not_shown", Phase: PhaseCounting},
	{Code: "ballots_exceed_voters", Phase: PhaseCounting},
	{Code: "falsification", Phase: PhaseCounting},
	{Code: "protocol_not_completed_in_presence", Phase: PhaseCounting},
	{Code: "protocol_not_posted", Phase: PhaseCounting},
	{Code: "protocol_copy_denied", Phase: PhaseCounting, Headline: true},
	{Code: "tabulation_discrepancy", Phase: PhaseTabulation},
	{Code: "results_not_published", Phase: PhaseTabulation},
	{Code: "other", Phase: PhaseAny},
}

// HeadlineCategories are the design card's four, in the order forms show them first.
var HeadlineCategories = []string{"observer_removed", "ballot_stuffing", "carousel_voting", "protocol_copy_denied"}

// CategoryByCode finds a standard category.
func CategoryByCode(code string) (Category, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Status is an incident's verification state.
type Status string

const (
	StatusNew      Status = "new"
	StatusVerified Status = "verified"
	StatusRejected Status = "rejected"
)

// ValidStatus reports whether s is a known status.
func ValidStatus(s Status) bool {
	return s == StatusNew || s == StatusVerified || s == StatusRejected
}
