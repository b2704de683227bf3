package demo

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
)

func init() { Register("results", officialResults) }

// The demo's official results: a preliminary version that agrees with every
// observer's protocol copy, and a final one in which a few dozen observed stations
// were changed after the count (votes moved to c1, ballots added) and one region
// wrote round targets at some stations (the integer-percentage peaks).
const (
	demoAltered     = 36
	demoPeakShare   = 0.2 // of the peak region's stations
	demoCandidates  = 5
	demoPeakRegionN = 1 // the peak region is the second largest
)

var demoCodes = []string{"c1", "c2", "c3", "c4", "against_all"}

func officialResults(ctx context.Context, w *World) error {
	obs, err := w.Store.CountingProtocols(ctx, w.Election.ID, "")
	if err != nil {
		return err
	}
	copied := map[string]*report.Protocol{}
	for _, o := range obs {
		if _, ok := copied[o.Station]; !ok {
			copied[o.Station] = o.Protocol
		}
	}
	rng := w.Rand
	// Each region leans its own way, as real ones do.
	turnoutMean, shareMean := map[string]float64{}, map[string]float64{}
	count := map[string]int{}
	for _, st := range w.Stations {
		if _, ok := turnoutMean[st.RegionCode]; !ok {
			turnoutMean[st.RegionCode] = 0.5 + 0.2*rng.Float64()
			shareMean[st.RegionCode] = 0.5 + 0.2*rng.Float64()
		}
		count[st.RegionCode]++
	}
	regions := make([]string, 0, len(count))
	for r := range count {
		regions = append(regions, r)
	}
	slices.SortFunc(regions, func(a, b string) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return cmpString(a, b)
	})
	peakRegion := ""
	if len(regions) > demoPeakRegionN {
		peakRegion = regions[demoPeakRegionN]
	}
	prelim := &results.Table{Candidates: demoCodes}
	var observed []int
	for _, st := range w.Stations {
		row := results.Row{Station: st.Code}
		if p, ok := copied[st.Code]; ok && p != nil {
			observed = append(observed, len(prelim.Rows))
			row = fromProtocol(st, p)
		}
		fillResult(&row, st, turnoutMean[st.RegionCode], shareMean[st.RegionCode], rng.Float64, rng.NormFloat64)
		if st.RegionCode == peakRegion && copied[st.Code] == nil && rng.Float64() < demoPeakShare {
			roundTargets(&row, rng.Float64)
		}
		prelim.Rows = append(prelim.Rows, row)
	}
	if _, err := w.Store.ImportResults(ctx, w.Election, results.Version{Label: "preliminary", Source: "demo: the commission's preliminary results"},
		prelim, false, actor); err != nil {
		return fmt.Errorf("demo preliminary results: %w", err)
	}
	final := &results.Table{Candidates: demoCodes, Rows: make([]results.Row, len(prelim.Rows))}
	for i, r := range prelim.Rows {
		r.Votes = slices.Clone(r.Votes)
		final.Rows[i] = r
	}
	rng.Shuffle(len(observed), func(i, j int) { observed[i], observed[j] = observed[j], observed[i] })
	for _, i := range observed[:min(demoAltered, len(observed))] {
		alter(&final.Rows[i], rng.Float64)
	}
	if _, err := w.Store.ImportResults(ctx, w.Election, results.Version{Label: "final", Source: "demo: the commission's final results"},
		final, false, actor); err != nil {
		return fmt.Errorf("demo final results: %w", err)
	}
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fromProtocol takes the figures the observer copied (-1 where they copied none).
func fromProtocol(st report.Station, p *report.Protocol) results.Row {
	r := results.Row{Station: st.Code, Registered: -1, Issued: -1, Valid: -1, Invalid: -1, Votes: make([]int64, demoCandidates)}
	get := func(v *int64) int64 {
		if v == nil {
			return -1
		}
		return *v
	}
	r.Registered, r.Issued, r.Invalid = get(p.RegisteredVoters), get(p.VotersVoted), get(p.BallotsInvalid)
	if p.BallotsStationary != nil && p.BallotsMobile != nil {
		// valid + invalid must come to the ballots found: fillResult takes valid
		// from them once invalid is known.
		r.Stationary, r.Mobile = p.BallotsStationary, p.BallotsMobile
	}
	if len(p.Votes) == 0 {
		r.Votes[0] = -1
		return r
	}
	for i, c := range demoCodes {
		r.Votes[i] = p.Votes[c]
	}
	return r
}

// fillResult makes up whatever figure the row lacks (-1, or all of a new row):
// turnout and the leader's share around the region's lean, counts drawn from them.
func fillResult(r *results.Row, st report.Station, tMean, sMean float64, u func() float64, z func() float64) {
	if r.Votes == nil {
		r.Registered, r.Issued, r.Valid, r.Invalid = -1, -1, -1, -1
		r.Votes = []int64{-1, 0, 0, 0, 0}
	}
	if r.Registered < 0 {
		r.Registered = 1500
		if st.RegisteredVoters != nil && *st.RegisteredVoters > 0 {
			r.Registered = *st.RegisteredVoters
		}
	}
	if r.Issued < 0 {
		t := math.Min(0.97, math.Max(0.2, tMean+0.08*z()))
		r.Issued = int64(math.Round(float64(r.Registered) * t))
	}
	if r.Invalid < 0 {
		r.Invalid = int64(math.Round(float64(r.Issued) * (0.005 + 0.02*u())))
	}
	if r.Valid < 0 && r.Stationary != nil && r.Mobile != nil {
		r.Invalid = min(r.Invalid, *r.Stationary+*r.Mobile)
		r.Valid = *r.Stationary + *r.Mobile - r.Invalid
	}
	if r.Valid < 0 {
		r.Valid = max(0, r.Issued-r.Invalid)
	}
	if r.Votes[0] < 0 {
		share := math.Min(0.95, math.Max(0.2, sMean+0.08*z()))
		r.Votes = splitVotes(r.Valid, share, u)
	}
}

// splitVotes gives the leader its share of valid ballots and the rest to the others.
func splitVotes(valid int64, share float64, u func() float64) []int64 {
	v := make([]int64, demoCandidates)
	v[0] = int64(math.Round(float64(valid) * share))
	left := valid - v[0]
	weights := []float64{0.4 + 0.2*u(), 0.25 + 0.1*u(), 0.15 + 0.1*u(), 0.1 + 0.05*u()}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	rest := left
	for i, w := range weights {
		n := int64(float64(left) * w / sum)
		if i == len(weights)-1 {
			n = rest
		}
		v[i+1] = n
		rest -= n
	}
	return v
}

// roundTargets rewrites a station to a round turnout and share (whole per cent,
// often multiples of 5), as a commission writing to a target would.
func roundTargets(r *results.Row, u func() float64) {
	t := 70 + 5*math.Floor(u()*5) // 70 … 90
	s := 75 + 5*math.Floor(u()*4) // 75 … 90
	r.Issued = int64(math.Round(float64(r.Registered) * t / 100))
	r.Invalid = 0
	r.Valid = r.Issued
	r.Votes = splitVotes(r.Valid, s/100, u)
}

// alter changes a station's figures after the count: votes moved to the leader and
// ballots added for it.
func alter(r *results.Row, u func() float64) {
	var moved int64
	for i := 1; i < len(r.Votes); i++ {
		k := int64(float64(r.Votes[i]) * (0.2 + 0.3*u()))
		r.Votes[i] -= k
		moved += k
	}
	added := int64(float64(r.Valid) * (0.02 + 0.05*u()))
	r.Votes[0] += moved + added
	r.Valid += added
	r.Issued += added
}
