package report

import "math"

// Derived protocol checks (checklists.md, "Protocol figures"): arithmetic on the
// figures of a counting form, shown beside the observer's own answers and counted
// in the statistics. One implementation, so a form's warning and the dashboard's
// count can never disagree.

// Protocol check codes.
const (
	CheckBallotsExceedVoters = "ballots_exceed_voters"
	CheckMobileExceedsReqs   = "mobile_exceeds_requests"
	CheckTurnoutOver100      = "turnout_over_100"
	CheckBallotsUnaccounted  = "ballots_unaccounted"
	CheckVotesExceedValid    = "votes_exceed_valid"
)

// ProtocolCheckCodes lists the checks in the order of checklists.md.
var ProtocolCheckCodes = []string{
	CheckBallotsExceedVoters, CheckMobileExceedsReqs, CheckTurnoutOver100,
	CheckBallotsUnaccounted, CheckVotesExceedValid,
}

// FigVotes is the candidate votes of a protocol, a figure like the whole numbers:
// absent (no votes recorded) is itself a finding.
const FigVotes = "votes"

// RecordedFigures lists every figure whose absence is counted as not_recorded.
var RecordedFigures = append(append([]string(nil), ProtocolFigures...), FigVotes)

// CheckResult is one check applied to one protocol.
type CheckResult struct {
	Code string
	// Needs lists the figures the check uses; Missing those of them not recorded.
	Needs   []string
	Missing []string
	// Flagged is true when every needed figure is present and the arithmetic fails.
	Flagged bool
	// Left and Right are the two sides compared (set when applicable), for the
	// warning's {{.A}} and {{.B}} ("ballots in the boxes (A) exceed the voters (B)").
	Left, Right int64
}

// Applicable reports whether every figure the check needs was recorded.
func (r CheckResult) Applicable() bool { return len(r.Missing) == 0 }

// ProtocolChecks applies every derived check to p, in ProtocolCheckCodes order. A nil
// protocol gives results with every figure missing.
func ProtocolChecks(p *Protocol) []CheckResult {
	fig := func(code string) (int64, bool) {
		v := p.Figure(code)
		if v == nil {
			return 0, false
		}
		return *v, true
	}
	check := func(code string, needs []string, sides func(v map[string]int64) (left, right int64), flagged func(l, r int64) bool) CheckResult {
		r := CheckResult{Code: code, Needs: needs}
		vals := make(map[string]int64, len(needs))
		for _, f := range needs {
			if f == FigVotes {
				if p == nil || len(p.Votes) == 0 {
					r.Missing = append(r.Missing, f)
					continue
				}
				var sum int64
				for _, n := range p.Votes {
					sum = addFigures(sum, n)
				}
				vals[f] = sum
				continue
			}
			v, ok := fig(f)
			if !ok {
				r.Missing = append(r.Missing, f)
				continue
			}
			vals[f] = v
		}
		if r.Applicable() {
			r.Left, r.Right = sides(vals)
			r.Flagged = flagged(r.Left, r.Right)
		}
		return r
	}
	greater := func(l, r int64) bool { return l > r }
	return []CheckResult{
		check(CheckBallotsExceedVoters, []string{FigBallotsStationary, FigBallotsMobile, FigVotersVoted},
			func(v map[string]int64) (int64, int64) {
				return addFigures(v[FigBallotsStationary], v[FigBallotsMobile]), v[FigVotersVoted]
			}, greater),
		check(CheckMobileExceedsReqs, []string{FigBallotsMobile, FigHomeboundRequests},
			func(v map[string]int64) (int64, int64) { return v[FigBallotsMobile], v[FigHomeboundRequests] }, greater),
		check(CheckTurnoutOver100, []string{FigVotersVoted, FigRegisteredVoters},
			func(v map[string]int64) (int64, int64) { return v[FigVotersVoted], v[FigRegisteredVoters] }, greater),
		// Ballots issued must equal signatures: what came in is either signed for or cancelled.
		check(CheckBallotsUnaccounted, []string{FigBallotsReceived, FigVotersVoted, FigBallotsCancelled},
			func(v map[string]int64) (int64, int64) {
				return v[FigBallotsReceived], addFigures(v[FigVotersVoted], v[FigBallotsCancelled])
			}, func(l, r int64) bool { return l != r }),
		check(CheckVotesExceedValid, []string{FigVotes, FigBallotsStationary, FigBallotsMobile, FigBallotsInvalid},
			func(v map[string]int64) (int64, int64) {
				return v[FigVotes], addFigures(addFigures(v[FigBallotsStationary], v[FigBallotsMobile]), -max(v[FigBallotsInvalid], -math.MaxInt64))
			}, greater),
	}
}

// addFigures adds two figures, stopping at the ends of int64 instead of wrapping:
// validation bounds figures (MaxFigure), but a check must not turn a protocol that
// came in another way (an older database, an import) into a clean one by overflow.
func addFigures(a, b int64) int64 {
	s := a + b
	if a > 0 && b > 0 && s < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && s >= 0 {
		return math.MinInt64
	}
	return s
}

// FlaggedChecks returns the codes of the checks p fails, for a form's warnings.
func FlaggedChecks(p *Protocol) []string {
	var out []string
	for _, r := range ProtocolChecks(p) {
		if r.Flagged {
			out = append(out, r.Code)
		}
	}
	return out
}
