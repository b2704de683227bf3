package web

import (
	"context"
	"strconv"
	"strings"

	"github.com/observerkz/observer/internal/results"
)

// pct1 shows a percentage with one decimal, "—" when it has no denominator.
func pct1(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "%"
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func pValue(p *float64) string {
	switch {
	case p == nil:
		return "—"
	case *p < 0.001:
		return "< 0.001"
	}
	return strconv.FormatFloat(*p, 'f', 3, 64)
}

// figureName is a compared figure's name in the reader's language.
func figureName(ctx context.Context, fig string) string {
	if code, ok := strings.CutPrefix(fig, "votes:"); ok {
		return t(ctx, "results.fig_votes", "Candidate", code)
	}
	switch fig {
	case results.FigRegistered, "ballots_invalid", "ballots_received", "ballots_cancelled", "ballots_mobile", "ballots_stationary":
		return t(ctx, "figure."+fig)
	}
	return t(ctx, "results.fig_"+fig)
}

// firstOfObservation reports whether row i is the first of its observation's rows.
func firstOfObservation(rows []results.Discrepancy, i int) bool {
	for _, r := range rows[:i] {
		if r.ObservationID == rows[i].ObservationID {
			return false
		}
	}
	return true
}

// stationFigures are the rows of a station's page: the compared figures, the
// official ones besides, then each candidate.
func stationFigures(v stationView) []string {
	figs := []string{results.FigRegistered, results.FigIssued, "ballots_valid", results.FigInvalid, results.FigFound,
		"ballots_received", "ballots_cancelled", "ballots_mobile", "ballots_stationary"}
	for _, c := range v.Candidates {
		figs = append(figs, "votes:"+c)
	}
	return figs
}

func optNum(p *int64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatInt(*p, 10)
}

func officialFigure(ver results.Version, r results.StationRow, fig string) string {
	switch fig {
	case results.FigRegistered:
		return strconv.FormatInt(r.Registered, 10)
	case results.FigIssued:
		return strconv.FormatInt(r.Issued, 10)
	case "ballots_valid":
		return strconv.FormatInt(r.Valid, 10)
	case results.FigInvalid:
		return strconv.FormatInt(r.Invalid, 10)
	case results.FigFound:
		return strconv.FormatInt(r.Valid+r.Invalid, 10)
	case "ballots_received":
		return optNum(r.BallotsReceived)
	case "ballots_cancelled":
		return optNum(r.Cancelled)
	case "ballots_mobile":
		return optNum(r.Mobile)
	case "ballots_stationary":
		return optNum(r.Stationary)
	}
	code, _ := strings.CutPrefix(fig, "votes:")
	for i, c := range ver.Candidates {
		if strings.EqualFold(c, code) && i < len(r.Votes) {
			return strconv.FormatInt(r.Votes[i], 10)
		}
	}
	return "—"
}

func observerFigure(o results.Observation, fig string) string {
	p := o.Protocol
	switch fig {
	case results.FigRegistered:
		return optNum(p.RegisteredVoters)
	case results.FigIssued:
		return optNum(p.VotersVoted)
	case "ballots_valid":
		if p.BallotsStationary != nil && p.BallotsMobile != nil && p.BallotsInvalid != nil {
			v := *p.BallotsStationary + *p.BallotsMobile - *p.BallotsInvalid
			return strconv.FormatInt(v, 10)
		}
		return "—"
	case results.FigInvalid:
		return optNum(p.BallotsInvalid)
	case results.FigFound:
		if p.BallotsStationary != nil && p.BallotsMobile != nil {
			v := *p.BallotsStationary + *p.BallotsMobile
			return strconv.FormatInt(v, 10)
		}
		return "—"
	case "ballots_received":
		return optNum(p.BallotsReceived)
	case "ballots_cancelled":
		return optNum(p.BallotsCancelled)
	case "ballots_mobile":
		return optNum(p.BallotsMobile)
	case "ballots_stationary":
		return optNum(p.BallotsStationary)
	}
	code, _ := strings.CutPrefix(fig, "votes:")
	for c, v := range p.Votes {
		if strings.EqualFold(c, code) {
			return strconv.FormatInt(v, 10)
		}
	}
	return "—"
}

func joinCodes(cs []string) string { return strings.Join(cs, ", ") }

// differsFromLatest reports whether an observer's copy of a figure differs from the
// latest version's (both present).
func differsFromLatest(v stationView, o results.Observation, fig string) bool {
	if len(v.Versions) == 0 {
		return false
	}
	mine, official := observerFigure(o, fig), officialFigure(v.Versions[0], v.Rows[0], fig)
	return mine != "—" && official != "—" && mine != official
}
