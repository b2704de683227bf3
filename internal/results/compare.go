package results

import (
	"cmp"
	"slices"
	"strings"

	"github.com/observerkz/observer/internal/report"
)

// Observation is a counting observation's protocol figures, as the observer copied them.
type Observation struct {
	ID       int64
	Station  string
	Region   string
	Protocol *report.Protocol
}

// Discrepancy is one figure where the observer's copy and the official result
// differ (results.md). Difference = official − observer.
type Discrepancy struct {
	Station       string `json:"station"`
	Figure        string `json:"figure"`
	ObserverValue int64  `json:"observer_value"`
	OfficialValue int64  `json:"official_value"`
	Difference    int64  `json:"difference"`
	ObservationID int64  `json:"observation_id"`
	// Region is the station's region code; LeaderMoved how many of the leader's
	// votes the official result moved at this observation's station (for the order).
	Region      string `json:"-"`
	LeaderMoved int64  `json:"-"`
}

// Figures compared besides the candidates' votes.
const (
	FigRegistered = "registered_voters"
	FigIssued     = "ballots_issued"
	FigInvalid    = "ballots_invalid"
	FigFound      = "ballots_found"
)

// Compare sets every observation with protocol figures at a station that has an
// official result in the set against that result, figure by figure: a figure or a
// candidate missing on either side is not compared. The rows are in results.md's
// order: largest first by the leader's votes moved at their observation, then by
// absolute difference, then by station code and figure.
func Compare(set *Set, obs []Observation) []Discrepancy {
	leader, _ := LeaderIndex(set.Version.Candidates, set.Input("").Stations, "")
	return compareWithLeader(set, obs, leader)
}

func compareWithLeader(set *Set, obs []Observation, leader int) []Discrepancy {
	byStation := make(map[string]*StationRow, len(set.Rows))
	for i := range set.Rows {
		byStation[strings.ToLower(set.Rows[i].Station)] = &set.Rows[i]
	}
	out := []Discrepancy{}
	for _, o := range obs {
		off, ok := byStation[strings.ToLower(o.Station)]
		if !ok || o.Protocol == nil {
			continue
		}
		p := o.Protocol
		var rows []Discrepancy
		add := func(fig string, mine *int64, official int64) {
			if mine != nil && *mine != official {
				rows = append(rows, Discrepancy{Station: off.Station, Figure: fig, ObserverValue: *mine, OfficialValue: official,
					Difference: official - *mine, ObservationID: o.ID, Region: off.RegionCode})
			}
		}
		add(FigRegistered, p.RegisteredVoters, off.Registered)
		add(FigIssued, p.VotersVoted, off.Issued)
		add(FigInvalid, p.BallotsInvalid, off.Invalid)
		if p.BallotsStationary != nil && p.BallotsMobile != nil {
			found := *p.BallotsStationary + *p.BallotsMobile
			add(FigFound, &found, off.Valid+off.Invalid)
		}
		var moved int64
		for i, code := range set.Version.Candidates {
			for mc, v := range p.Votes {
				if strings.EqualFold(mc, code) {
					v := v
					add("votes:"+code, &v, off.Votes[i])
					if i == leader {
						moved = abs(off.Votes[i] - v)
					}
				}
			}
		}
		for i := range rows {
			rows[i].LeaderMoved = moved
		}
		out = append(out, rows...)
	}
	SortDiscrepancies(out)
	return out
}

// SortDiscrepancies puts the rows in results.md's order.
func SortDiscrepancies(ds []Discrepancy) {
	slices.SortStableFunc(ds, func(a, b Discrepancy) int {
		return cmp.Or(
			cmp.Compare(b.LeaderMoved, a.LeaderMoved),
			cmp.Compare(abs(b.Difference), abs(a.Difference)),
			cmp.Compare(a.Station, b.Station),
			cmp.Compare(a.Figure, b.Figure),
			cmp.Compare(a.ObservationID, b.ObservationID))
	})
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
