package demo

import (
	"math"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// rate is how a question tends to be answered: the share of forms where it does not
// apply, and among the others the share answered with the problem answer.
type rate struct{ na, problem float64 }

// rates are the demo's shares per question (checklists.md codes). The counting ones
// follow the ODIHR statements quoted in statistics.md.
var rates = map[string]rate{
	"open_on_time":              {0, 0.08},
	"open_box_empty_sealed":     {0, 0.04},
	"open_ballots_announced":    {0.02, 0.15},
	"open_presigned_ballots":    {0.03, 0.02},
	"open_unauthorized_present": {0, 0.10},
	"open_observers_restricted": {0, 0.07},

	"vote_box_sealed":           {0, 0.03},
	"vote_secrecy_ensured":      {0, 0.12},
	"vote_id_checked":           {0, 0.06},
	"vote_stuffing_indications": {0, 0.04},
	"vote_carousel_indications": {0, 0.03},
	"vote_group_voting":         {0.02, 0.05},
	"vote_identical_signatures": {0.10, 0.06},
	"vote_pressure":             {0, 0.04},
	"vote_unauthorized_present": {0, 0.09},
	"vote_turnout_info_refused": {0.03, 0.06},
	"vote_observers_restricted": {0, 0.08},

	"count_unused_cancelled":          {0, 0.30},
	"count_procedures_followed":       {0, 0.45},
	"count_ballots_shown":             {0, 0.35},
	"count_homebound_not_recorded":    {0.10, 0.20},
	"count_mobile_exceeds_requests":   {0.17, 0.81},
	"count_mobile_excess_invalidated": {0, 0.81}, // invalidated in only about 19% of cases
	"count_ballots_exceed_voters":     {0.08, 0.09},
	"count_falsification":             {0.05, 0.05},
	"count_protocol_in_presence":      {0, 0.20},
	"count_protocol_posted":           {0, 0.25},
	"count_protocol_copy_given":       {0, 0.30},
	"count_observers_restricted":      {0, 0.20},

	"tab_protocols_match":      {0.05, 0.25},
	"tab_observers_restricted": {0, 0.30},
}

// negative is the share of assessed forms graded bad or very bad, per phase.
var negative = map[report.Phase]float64{
	report.PhaseOpening: 0.08, report.PhaseVoting: 0.07, report.PhaseCounting: 0.55, report.PhaseTabulation: 0.40,
}

func other(a report.Answer) report.Answer {
	if a == report.AnswerYes {
		return report.AnswerNo
	}
	return report.AnswerYes
}

func (g *recGen) answers(phase report.Phase) map[string]report.Answer {
	out := map[string]report.Answer{}
	for _, q := range report.StandardChecklist(phase).Questions {
		if q.IsFollowUp() && out[q.Parent] != q.Trigger {
			continue // not asked
		}
		if g.rng.Float64() < 0.03 {
			continue // left unanswered
		}
		r := rates[q.Code]
		switch {
		case g.rng.Float64() < r.na:
			out[q.Code] = report.AnswerNA
		case g.rng.Float64() < r.problem:
			out[q.Code] = q.Problem
		default:
			out[q.Code] = other(q.Problem)
		}
	}
	return out
}

func (g *recGen) assessment(phase report.Phase) report.Assessment {
	if g.rng.Float64() < 0.05 {
		return ""
	}
	if g.rng.Float64() < negative[phase] {
		if g.rng.Float64() < 0.3 {
			return report.AssessVeryBad
		}
		return report.AssessBad
	}
	if g.rng.Float64() < 0.3 {
		return report.AssessVeryGood
	}
	return report.AssessGood
}

// protocol makes figures that agree with the observer's answers: more ballots in the
// mobile boxes than requests when the observer said so, more ballots than voters
// likewise; now and then a figure is missing from the protocol.
func (g *recGen) protocol(st report.Station, a map[string]report.Answer) *report.Protocol {
	reg := int64(1500)
	if st.RegisteredVoters != nil && *st.RegisteredVoters > 0 {
		reg = *st.RegisteredVoters
	}
	n := func(lo, hi int64) int64 { return lo + g.rng.Int64N(hi-lo+1) }
	voted := int64(float64(reg) * (0.55 + 0.25*g.rng.Float64()))
	if g.rng.Float64() < 0.01 {
		voted = reg + n(5, 40) // turnout over 100%
	}
	requests := max(1, int64(float64(voted)*(0.01+0.03*g.rng.Float64())))
	var mobile int64
	switch a["count_mobile_exceeds_requests"] {
	case report.AnswerYes:
		mobile = requests + n(1, requests/2+12)
	case report.AnswerNA:
		requests, mobile = 0, 0
	default:
		mobile = requests - n(0, requests/3)
	}
	stationary := voted - mobile
	if a["count_ballots_exceed_voters"] == report.AnswerYes {
		stationary += n(3, 40)
	}
	received := max(reg, voted) + n(10, 60)
	cancelled := received - voted
	if g.rng.Float64() < 0.05 {
		cancelled = max(0, cancelled-n(1, 15)) // ballots unaccounted for
	}
	boxes := stationary + mobile
	invalid := int64(math.Round(float64(boxes) * (0.005 + 0.025*g.rng.Float64())))
	valid := boxes - invalid
	p := &report.Protocol{}
	set := func(code string, v int64) {
		if g.rng.Float64() >= 0.04 { // about one figure in 25 is not on the protocol
			p.SetFigure(code, &v)
		}
	}
	set(report.FigRegisteredVoters, reg)
	set(report.FigBallotsReceived, received)
	set(report.FigVotersVoted, voted)
	set(report.FigHomeboundRequests, requests)
	set(report.FigBallotsStationary, stationary)
	set(report.FigBallotsMobile, mobile)
	set(report.FigBallotsInvalid, invalid)
	set(report.FigBallotsCancelled, cancelled)
	if g.rng.Float64() < 0.95 {
		shares := []float64{0.55 + 0.25*g.rng.Float64(), 0.05 + 0.1*g.rng.Float64(), 0.03 + 0.07*g.rng.Float64(), 0.02 + 0.05*g.rng.Float64(), 0.02 + 0.04*g.rng.Float64()}
		codes := []string{"c1", "c2", "c3", "c4", "against_all"}
		var sum float64
		for _, s := range shares {
			sum += s
		}
		p.Votes = map[string]int64{}
		left := valid
		for i, c := range codes {
			v := int64(float64(valid) * shares[i] / sum)
			if i == len(codes)-1 {
				v = left
			}
			p.Votes[c] = max(0, v)
			left -= v
		}
		if g.rng.Float64() < 0.04 {
			p.Votes["c1"] += n(5, 50) // more votes than valid ballots
		}
	}
	return report.NormalizeProtocol(p)
}

// problemCategory is the incident category a problem answer usually comes with.
var problemCategory = map[string]string{
	"open_box_empty_sealed": "box_not_sealed", "open_ballots_announced": "opening_figures_withheld",
	"open_presigned_ballots": "ballots_presigned", "open_unauthorized_present": "unauthorized_persons",
	"open_observers_restricted": "observer_restricted",
	"vote_box_sealed":           "box_not_sealed", "vote_secrecy_ensured": "secrecy_violated", "vote_id_checked": "voter_not_identified",
	"vote_stuffing_indications": "ballot_stuffing", "vote_carousel_indications": "carousel_voting",
	"vote_group_voting": "group_voting", "vote_identical_signatures": "identical_signatures", "vote_pressure": "voter_pressure",
	"vote_unauthorized_present": "unauthorized_persons", "vote_turnout_info_refused": "information_refused",
	"vote_observers_restricted": "observer_restricted",
	"count_unused_cancelled":    "count_procedure_violated", "count_procedures_followed": "count_procedure_violated",
	"count_ballots_shown": "ballots_not_shown", "count_ballots_exceed_voters": "ballots_exceed_voters",
	"count_falsification": "falsification", "count_protocol_in_presence": "protocol_not_completed_in_presence",
	"count_protocol_posted": "protocol_not_posted", "count_protocol_copy_given": "protocol_copy_denied",
	"count_observers_restricted": "observer_restricted",
	"tab_protocols_match":        "tabulation_discrepancy", "tab_observers_restricted": "observer_restricted",
}

// attached are the incidents an observer files with a form, for some of its problem
// answers, timed within the visit.
func (g *recGen) attached(ob report.Observation, arrived, left time.Time) []report.Incident {
	var out []report.Incident
	seen := map[string]bool{}
	for _, q := range report.StandardChecklist(ob.Phase).Questions {
		code, ok := problemCategory[q.Code]
		if !ok || ob.Answers[q.Code] != q.Problem || seen[code] || g.rng.Float64() >= 0.6 {
			continue
		}
		seen[code] = true
		if code == "observer_restricted" && g.rng.Float64() < 0.25 {
			code = "observer_removed"
		}
		g.nInc++
		at := arrived.Add(time.Duration(g.rng.Int64N(int64(left.Sub(arrived)))))
		out = append(out, report.Incident{
			ClientID: g.incidentID(), Phase: ob.Phase, Category: code, OccurredAt: at,
			Witnessed: true, Description: g.description(code, true),
		})
	}
	return out
}

// hotlineCategories are what voters phone in about.
var hotlineCategories = []string{"vote_buying", "voter_pressure", "voter_pressure", "carousel_voting", "campaigning",
	"multiple_voting", "proxy_voting", "mobile_box_irregularity", "turnout_discrepancy", "results_not_published", "other"}

var descriptions = map[string][]string{
	"ballot_stuffing":       {"A member of the commission put a folded pack of ballots into the stationary box.", "Several ballots fell out of one voter's hand into the box at once."},
	"carousel_voting":       {"A group of about ten people arrived by minibus, voted, and left for the next station.", "Voters came out with blank ballots and handed them to a man outside."},
	"observer_removed":      {"The chair ordered the observer to leave after she photographed the voter list.", "Police asked the observer to leave the station during the count."},
	"observer_restricted":   {"Observers were kept behind a tape five metres from the table.", "Observers were not allowed to see the voter lists."},
	"protocol_copy_denied":  {"The commission refused to give a certified copy of the protocol.", "The copy of the protocol was handed over without the wet stamp."},
	"ballots_exceed_voters": {"The boxes held more ballots than there were signatures on the lists."},
	"group_voting":          {"Two people went into the booth together.", "A man marked ballots for his wife and mother."},
	"voter_pressure":        {"Teachers from the local school said they must send a photo of their ballot.", "Workers of a state company were brought by bus and told whom to vote for."},
	"vote_buying":           {"A caller said food packs were handed out near the station in exchange for votes."},
	"other":                 {"Voters queued outside for over an hour because only one booth was open.", "The lights went out for twenty minutes during the count."},
}

func (g *recGen) description(code string, witnessed bool) string {
	if ds := descriptions[code]; len(ds) > 0 {
		return ds[g.rng.IntN(len(ds))]
	}
	if witnessed {
		return "Seen by the observer during the visit."
	}
	return "Reported by a voter to the hotline."
}

var (
	verifyNotes = []string{"Confirmed with the photo", "Confirmed by a second observer", "Confirmed by the video", "Matches the protocol copy"}
	rejectNotes = []string{"Could not be confirmed", "Same event reported twice", "Happened outside the station's area"}
)
