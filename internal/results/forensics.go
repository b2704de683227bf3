// Package results holds official results: the CSV that brings them in, their
// comparison with the observers' protocol figures, and the statistical forensics of
// results.md (Kobak, Shpilkin & Pshenichnikov 2016; Klimek et al. 2012). Pure
// functions: no HTTP, no SQL.
package results

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Station is one station's official result as the forensics read it.
type Station struct {
	Code               string
	Region             string // region code
	Registered, Issued int64
	Valid, Invalid     int64
	Votes              []int64 // aligned with Input.Candidates
}

// Input is one version of an election's results.
type Input struct {
	Election    string
	Version     string
	Candidates  []string
	Stations    []Station         // every station with a result in the version
	RegionNames map[string]string // region code → name
}

// Options choose what a forensics document is about.
type Options struct {
	Leader     string // candidate code; "" = the most votes in the whole version
	Region     string // region code; "" = the whole election
	Seed       uint64
	Replicates int // default 1,000
	SmallN     int // regions with fewer included stations are marked; default 30
	Workers    int // goroutines for the Monte Carlo; default GOMAXPROCS
}

// DefaultSeed and DefaultReplicates are results.md's defaults.
const (
	DefaultSeed       = 42
	DefaultReplicates = 1000
	DefaultSmallN     = 30
)

// ErrUnknownLeader is a --leader that names no candidate of the version.
var ErrUnknownLeader = errors.New("no such candidate in this results version")

// Document is the forensics JSON of results.md.
type Document struct {
	Election         string    `json:"election"`
	Version          string    `json:"version"`
	Leader           string    `json:"leader"`
	Seed             uint64    `json:"seed"`
	StationsTotal    int       `json:"stations_total"`
	StationsIncluded int       `json:"stations_included"`
	TurnoutPct       *float64  `json:"turnout_pct"`
	LeaderPct        *float64  `json:"leader_pct"`
	Integer          Integer   `json:"integer"`
	LastDigit        LastDigit `json:"last_digit"`
	Regions          []Region  `json:"regions"`
}

// Region is the same figures for one region, with the national leader.
type Region struct {
	Region           string    `json:"region"`
	Name             string    `json:"name"`
	StationsTotal    int       `json:"stations_total"`
	StationsIncluded int       `json:"stations_included"`
	SmallN           bool      `json:"small_n"`
	TurnoutPct       *float64  `json:"turnout_pct"`
	LeaderPct        *float64  `json:"leader_pct"`
	Integer          Integer   `json:"integer"`
	LastDigit        LastDigit `json:"last_digit"`
}

// Integer is the integer-percentage test's three counts.
type Integer struct {
	Either  Count `json:"either"`
	Share   Count `json:"share"`
	Turnout Count `json:"turnout"`
}

// Count is one observed count against its Monte Carlo null.
type Count struct {
	Observed int     `json:"observed"`
	Expected float64 `json:"expected"`
	SD       float64 `json:"sd"`
	P999     float64 `json:"p999"`
	Excess   float64 `json:"excess"`
}

// LastDigit is the last-digit test of the leader's votes.
type LastDigit struct {
	Stations int      `json:"stations"`
	Counts   [10]int  `json:"counts"`
	Chi2     float64  `json:"chi2"`
	P        *float64 `json:"p"`
}

// Analysis is a forensics document with the histograms the results page draws.
type Analysis struct {
	Doc Document
	// Hist is the whole scope's histograms; RegionHist each region's, in Doc.Regions order.
	Hist       Histograms
	RegionHist []Histograms
}

// Percent is (100·x)/n in float64, as results.md computes every percentage.
func Percent(x, n int64) float64 { return float64(100*x) / float64(n) }

// IsInteger reports whether a percentage is within 0.05 of a whole number.
func IsInteger(p float64) bool { return math.Abs(p-math.Round(p)) <= 0.05 }

// Received is the ballots found in the boxes: valid + invalid.
func (s Station) Received() int64 { return s.Valid + s.Invalid }

// Included reports whether a station enters the integer-percentage test: received > 0,
// registered ≥ 100, turnout ≤ 99 and the leader's share ≤ 99.
func Included(registered, issued, received, leader int64) bool {
	if received <= 0 || registered < 100 {
		return false
	}
	return Percent(issued, registered) <= 99 && Percent(leader, received) <= 99
}

// LeaderIndex is the candidate chosen as leader: code when given (compared without
// case), else the one with the most votes over all the stations, the first column on
// a tie. against_all leads only when it is the only column.
func LeaderIndex(candidates []string, stations []Station, code string) (int, error) {
	if code != "" {
		for i, c := range candidates {
			if strings.EqualFold(c, code) {
				return i, nil
			}
		}
		return -1, fmt.Errorf("%w: %q", ErrUnknownLeader, code)
	}
	totals := make([]int64, len(candidates))
	for _, s := range stations {
		for i, v := range s.Votes {
			totals[i] += v
		}
	}
	best := -1
	for i, c := range candidates {
		if strings.EqualFold(c, "against_all") && len(candidates) > 1 {
			continue
		}
		if best < 0 || totals[i] > totals[best] {
			best = i
		}
	}
	return best, nil
}

// Forensics computes the document of results.md over one version.
func Forensics(in Input, opt Options) (*Analysis, error) {
	if opt.Replicates <= 0 {
		opt.Replicates = DefaultReplicates
	}
	if opt.SmallN <= 0 {
		opt.SmallN = DefaultSmallN
	}
	leader, err := LeaderIndex(in.Candidates, in.Stations, opt.Leader)
	if err != nil {
		return nil, err
	}
	stations := in.Stations
	if opt.Region != "" {
		stations = slices.DeleteFunc(slices.Clone(stations), func(s Station) bool { return s.Region != opt.Region })
	}
	// Regions in code order; group 0 is the whole scope, group g+1 region g.
	var codes []string
	regionOf := map[string]int{}
	for _, s := range stations {
		if _, ok := regionOf[s.Region]; !ok {
			regionOf[s.Region] = 0
			codes = append(codes, s.Region)
		}
	}
	slices.Sort(codes)
	for i, c := range codes {
		regionOf[c] = i + 1
	}
	groups := len(codes) + 1
	agg := make([]aggregate, groups)
	hist := make([]Histograms, groups)
	var mc []mcStation
	for _, s := range stations {
		lv := s.Votes[leader]
		rec := s.Received()
		gs := [2]int{0, regionOf[s.Region]}
		inc := Included(s.Registered, s.Issued, rec, lv)
		if inc {
			mc = append(mc, mcStation{code: s.Code, registered: s.Registered, issued: s.Issued, received: rec, leader: lv, group: gs[1]})
		}
		for _, g := range gs {
			a := &agg[g]
			a.total++
			a.registered += s.Registered
			a.issued += s.Issued
			a.received += rec
			a.leader += lv
			if inc {
				a.included++
				t, sh := Percent(s.Issued, s.Registered), Percent(lv, rec)
				a.observed[kTurnout] += b2i(IsInteger(t))
				a.observed[kShare] += b2i(IsInteger(sh))
				a.observed[kEither] += b2i(IsInteger(t) || IsInteger(sh))
			}
			if lv >= 100 {
				a.digits[lv%10]++
				a.digitStations++
			}
			hist[g].add(s.Registered, s.Issued, rec, lv)
		}
	}
	reps := monteCarlo(mc, groups, opt.Seed, opt.Replicates, opt.Workers)
	an := &Analysis{Hist: hist[0]}
	d := &an.Doc
	*d = Document{Election: in.Election, Version: in.Version, Leader: in.Candidates[leader], Seed: opt.Seed,
		Regions: []Region{}}
	a := agg[0]
	d.StationsTotal, d.StationsIncluded = a.total, a.included
	d.TurnoutPct, d.LeaderPct = a.pcts()
	d.Integer = integerOf(a, reps, 0)
	d.LastDigit = lastDigitOf(a)
	for i, c := range codes {
		a := agg[i+1]
		r := Region{Region: c, Name: in.RegionNames[c], StationsTotal: a.total, StationsIncluded: a.included,
			SmallN: a.included < opt.SmallN, Integer: integerOf(a, reps, i+1), LastDigit: lastDigitOf(a)}
		if r.Name == "" {
			r.Name = c
		}
		r.TurnoutPct, r.LeaderPct = a.pcts()
		d.Regions = append(d.Regions, r)
		an.RegionHist = append(an.RegionHist, hist[i+1])
	}
	return an, nil
}

// The three counts of the integer test.
const (
	kEither = iota
	kShare
	kTurnout
	nCounts
)

type aggregate struct {
	total, included              int
	registered, issued, received int64
	leader                       int64
	observed                     [nCounts]int
	digits                       [10]int
	digitStations                int
}

// pcts are the scope's turnout and leader's share, rounded to one decimal; nil when
// the denominator is 0.
func (a aggregate) pcts() (turnout, leader *float64) {
	if a.registered > 0 {
		v := Round1(Percent(a.issued, a.registered))
		turnout = &v
	}
	if a.received > 0 {
		v := Round1(Percent(a.leader, a.received))
		leader = &v
	}
	return turnout, leader
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// Round1 rounds to one decimal, half away from zero (statistics.md).
func Round1(v float64) float64 { return math.Round(v*10) / 10 }

func integerOf(a aggregate, reps [][]int32, g int) Integer {
	var out Integer
	for k, dst := range []*Count{&out.Either, &out.Share, &out.Turnout} {
		vals := make([]float64, len(reps))
		for r, counts := range reps {
			vals[r] = float64(counts[g*nCounts+k])
		}
		*dst = countOf(a.observed[k], vals)
	}
	return out
}

// countOf sets an observed count against the replicates' counts: their mean, their
// population standard deviation and their 99.9th percentile (linear interpolation
// between order statistics, as numpy's default).
func countOf(observed int, vals []float64) Count {
	c := Count{Observed: observed}
	n := len(vals)
	if n == 0 {
		c.Excess = float64(observed)
		return c
	}
	var sum float64
	for _, v := range vals {
		sum += v
	}
	mean := sum / float64(n)
	var ss float64
	for _, v := range vals {
		ss += (v - mean) * (v - mean)
	}
	// Four decimals: the expected count of 1,000 replicates has at most three (the
	// rounding only drops float noise). The sd is given as computed.
	c.Expected = round4(mean)
	c.SD = math.Sqrt(ss / float64(n))
	c.P999 = round4(Quantile(vals, 0.999))
	c.Excess = round4(float64(observed) - mean)
	return c
}

// Quantile is the q-quantile of vals by linear interpolation between the order
// statistics at (n−1)·q (numpy's default). vals is sorted in place.
func Quantile(vals []float64, q float64) float64 {
	if len(vals) == 0 {
		return 0
	}
	slices.Sort(vals)
	h := float64(len(vals)-1) * q
	lo := int(math.Floor(h))
	if lo+1 >= len(vals) {
		return vals[len(vals)-1]
	}
	return vals[lo] + (h-float64(lo))*(vals[lo+1]-vals[lo])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
