package report

// Answer is a reply to one checklist question.
type Answer string

const (
	AnswerYes Answer = "yes"
	AnswerNo  Answer = "no"
	AnswerNA  Answer = "na"
)

// ValidAnswer reports whether a is yes, no or na.
func ValidAnswer(a Answer) bool { return a == AnswerYes || a == AnswerNo || a == AnswerNA }

// Question is one checklist question (checklists.md). Its text is in the
// translation catalogue under "question.<code>".
type Question struct {
	Code  string
	Phase Phase
	// Problem is the answer that marks an irregularity.
	Problem Answer
	// Parent and Trigger make a follow-up: asked only when Parent was answered Trigger.
	Parent  string
	Trigger Answer
}

// IsFollowUp reports whether q is asked only on its parent's trigger.
func (q Question) IsFollowUp() bool { return q.Parent != "" }

// Questions is the standard checklist, phase by phase, in form order.
var Questions = []Question{
	{Code: "open_on_time", Phase: PhaseOpening, Problem: AnswerNo},
	{Code: "open_box_empty_sealed", Phase: PhaseOpening, Problem: AnswerNo},
	{Code: "open_ballots_announced", Phase: PhaseOpening, Problem: AnswerNo},
	{Code: "open_presigned_ballots", Phase: PhaseOpening, Problem: AnswerYes},
	{Code: "open_unauthorized_present", Phase: PhaseOpening, Problem: AnswerYes},
	{Code: "open_observers_restricted", Phase: PhaseOpening, Problem: AnswerYes},

	{Code: "vote_box_sealed", Phase: PhaseVoting, Problem: AnswerNo},
	{Code: "vote_secrecy_ensured", Phase: PhaseVoting, Problem: AnswerNo},
	{Code: "vote_id_checked", Phase: PhaseVoting, Problem: AnswerNo},
	{Code: "vote_stuffing_indications", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_carousel_indications", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_group_voting", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_identical_signatures", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_pressure", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_unauthorized_present", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_turnout_info_refused", Phase: PhaseVoting, Problem: AnswerYes},
	{Code: "vote_observers_restricted", Phase: PhaseVoting, Problem: AnswerYes},

	{Code: "count_unused_cancelled", Phase: PhaseCounting, Problem: AnswerNo},
	{Code: "count_procedures_followed", Phase: PhaseCounting, Problem: AnswerNo},
	{Code: "count_ballots_shown", Phase: PhaseCounting, Problem: AnswerNo},
	{Code: "count_homebound_not_recorded", Phase: PhaseCounting, Problem: AnswerYes},
	{Code: "count_mobile_exceeds_requests", Phase: PhaseCounting, Problem: AnswerYes},
	{Code: "count_mobile_excess_invalidated", Phase: PhaseCounting, Problem: AnswerNo, Parent: "count_mobile_exceeds_requests", Trigger: AnswerYes},
	{Code: "count_ballots_exceed_voters", Phase: PhaseCounting, Problem: AnswerYes},
	{Code: "count_falsification", Phase: PhaseCounting, Problem: AnswerYes},
	{Code: "count_protocol_in_presence", Phase: PhaseCounting, Problem: AnswerNo},
	{Code: "count_protocol_posted", Phase: PhaseCounting, Problem: AnswerNo},
	{Code: "count_protocol_copy_given", Phase: PhaseCounting, Problem: AnswerNo},
	{Code: "count_observers_restricted", Phase: PhaseCounting, Problem: AnswerYes},

	{Code: "tab_protocols_match", Phase: PhaseTabulation, Problem: AnswerNo},
	{Code: "tab_observers_restricted", Phase: PhaseTabulation, Problem: AnswerYes},
}

// Assessment is the observer's overall grade of the process seen.
type Assessment string

const (
	AssessVeryGood Assessment = "very_good"
	AssessGood     Assessment = "good"
	AssessBad      Assessment = "bad"
	AssessVeryBad  Assessment = "very_bad"
)

// Assessments lists the grades from best to worst.
var Assessments = []Assessment{AssessVeryGood, AssessGood, AssessBad, AssessVeryBad}

// ValidAssessment reports whether a is a grade or empty (not given).
func ValidAssessment(a Assessment) bool {
	if a == "" {
		return true
	}
	for _, g := range Assessments {
		if a == g {
			return true
		}
	}
	return false
}

// Negative reports whether a counts as "negatively assessed".
func (a Assessment) Negative() bool { return a == AssessBad || a == AssessVeryBad }

// Protocol figure codes (checklists.md, "Protocol figures").
const (
	FigRegisteredVoters  = "registered_voters"
	FigBallotsReceived   = "ballots_received"
	FigVotersVoted       = "voters_voted"
	FigHomeboundRequests = "homebound_requests"
	FigBallotsStationary = "ballots_stationary"
	FigBallotsMobile     = "ballots_mobile"
	FigBallotsInvalid    = "ballots_invalid"
	FigBallotsCancelled  = "ballots_cancelled"
)

// ProtocolFigures lists the whole-number figures of a results protocol, in form order.
var ProtocolFigures = []string{
	FigRegisteredVoters, FigBallotsReceived, FigVotersVoted, FigHomeboundRequests,
	FigBallotsStationary, FigBallotsMobile, FigBallotsInvalid, FigBallotsCancelled,
}

// Checklist is the set of questions one election asks in one phase: the
// standard questions plus any an administrator added.
type Checklist struct {
	Phase     Phase
	Questions []Question
}

// StandardChecklist returns the standard questions of a phase.
func StandardChecklist(p Phase) Checklist {
	c := Checklist{Phase: p}
	for _, q := range Questions {
		if q.Phase == p {
			c.Questions = append(c.Questions, q)
		}
	}
	return c
}

// Question finds a question of the checklist by code.
func (c Checklist) Question(code string) (Question, bool) {
	for _, q := range c.Questions {
		if q.Code == code {
			return q, true
		}
	}
	return Question{}, false
}
