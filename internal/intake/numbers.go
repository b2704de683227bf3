package intake

import (
	"slices"

	"github.com/observerkz/observer/internal/report"
)

// StandardCategoryNumbers are the category numbers of the spec (intake.md): the
// design card's headline categories first, then taxonomy.md's order. Number n is
// element n-1. They never change once shipped.
var StandardCategoryNumbers = []string{
	"observer_removed", "ballot_stuffing", "carousel_voting", "protocol_copy_denied", "observer_denied_entry",
	"observer_restricted", "observer_photo_banned", "observer_threatened", "observer_detained", "information_refused",
	"complaint_refused", "box_not_sealed", "opening_figures_withheld", "ballots_presigned", "multiple_voting",
	"identical_signatures", "group_voting", "proxy_voting", "voter_not_identified", "secrecy_violated",
	"voter_pressure", "vote_buying", "unauthorized_persons", "campaigning", "turnout_discrepancy",
	"mobile_box_irregularity", "count_procedure_violated", "ballots_not_shown", "ballots_exceed_voters", "falsification",
	"protocol_not_completed_in_presence", "protocol_not_posted", "tabulation_discrepancy", "results_not_published", "other",
}

// CategoryNumbers numbers the categories: the standard ones, then those an
// administrator added, in the order they were added (pass them oldest first),
// each taking the next free number. Element n-1 is category n.
func CategoryNumbers(custom []report.CustomCategory) []string {
	out := slices.Clone(StandardCategoryNumbers)
	for _, c := range custom {
		if !slices.Contains(out, c.Code) {
			out = append(out, c.Code)
		}
	}
	return out
}

// QuestionNumbers numbers the questions of a phase: the standard checklist's
// order (follow-ups in place), then the questions an administrator added, in
// the order the election's checklist holds them. Element n-1 is question n.
func QuestionNumbers(schema report.StatsSchema, p report.Phase) []string {
	var out []string
	std := map[string]bool{}
	for _, q := range report.Questions {
		if q.Phase == p {
			out = append(out, q.Code)
			std[q.Code] = true
		}
	}
	for _, q := range schema.Checklist(p).Questions {
		if !std[q.Code] {
			out = append(out, q.Code)
		}
	}
	return out
}

// CategoryNumber returns the number of a category code, 0 when it has none.
func CategoryNumber(numbers []string, code string) int {
	return slices.Index(numbers, code) + 1
}

// phaseNumbers are the observation phases by their number in "#P".
var phaseNumbers = map[int]report.Phase{
	1: report.PhaseOpening, 2: report.PhaseVoting, 3: report.PhaseCounting, 4: report.PhaseTabulation,
}

// PhaseNumber returns the "#P" number of a phase.
func PhaseNumber(p report.Phase) int {
	for n, q := range phaseNumbers {
		if q == p {
			return n
		}
	}
	return 0
}

// figureNumbers are the protocol figures by their number in "k:value".
var figureNumbers = map[int]string{
	1: report.FigRegisteredVoters, 2: report.FigBallotsReceived, 3: report.FigVotersVoted,
	4: report.FigHomeboundRequests, 5: report.FigBallotsStationary, 6: report.FigBallotsMobile,
	7: report.FigBallotsInvalid, 8: report.FigBallotsCancelled,
}

var assessmentNumbers = map[int]report.Assessment{
	1: report.AssessVeryGood, 2: report.AssessGood, 3: report.AssessBad, 4: report.AssessVeryBad,
}
