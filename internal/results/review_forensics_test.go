package results

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The chi-squared statistic is given as computed, not rounded: counts 1, 2 and eight
// zeros, E = 0.3: (0.7² + 1.7² + 8·0.3²)/0.3 = 4.1/0.3 = 41/3.
func TestReviewChi2Exact(t *testing.T) {
	chi2, p := ChiSquaredUniform([10]int{1, 2})
	if math.Abs(chi2-41.0/3) > 1e-12 {
		t.Errorf("chi2 %v, want %v", chi2, 41.0/3)
	}
	want := distuv.ChiSquared{K: 9}.Survival(41.0 / 3)
	if p == nil || math.Abs(*p-want) > 1e-15 {
		t.Errorf("p %v, want %v", p, want)
	}
}

// The population sd of the replicates is given as computed.
func TestReviewCountOfSD(t *testing.T) {
	c := countOf(0, []float64{0, 1, 1})
	// mean 2/3; variance ((2/3)² + 2·(1/3)²)/3 = 2/9
	if math.Abs(c.SD-math.Sqrt(2.0/9)) > 1e-12 {
		t.Errorf("sd %v, want %v", c.SD, math.Sqrt(2.0/9))
	}
}

// Each station's inclusion and each count, worked out by hand from results.md.
func TestReviewForensicsInclusion(t *testing.T) {
	st := func(code, region string, reg, iss, valid, inv, lead, other int64) Station {
		return Station{Code: code, Region: region, Registered: reg, Issued: iss, Valid: valid, Invalid: inv, Votes: []int64{lead, other}}
	}
	in := Input{Election: "e", Version: "v1", Candidates: []string{"c1", "c2"}, RegionNames: map[string]string{"A": "Alpha"},
		Stations: []Station{
			// included: turnout 50 (integer), share 60/100 = 60 (integer)
			st("S1", "A", 200, 100, 98, 2, 60, 38),
			// registered 99: out; leader 0
			st("S2", "A", 99, 50, 50, 0, 20, 30),
			// registered exactly 100, turnout 99 (integer), share 49/99 = 49.49 (not): in
			st("S3", "A", 100, 99, 99, 0, 49, 50),
			// turnout 99.5: out; leader 150 (last digit 0)
			st("S4", "B", 200, 199, 199, 0, 150, 49),
			// share exactly 99: in, share integer; turnout 100/300 = 33.33 (not)
			st("S5", "B", 300, 100, 100, 0, 99, 1),
			// share 199/200 = 99.5: out; leader 199 (last digit 9)
			st("S6", "B", 400, 200, 200, 0, 199, 1),
			// nothing received (zero turnout): out, turnout 0
			st("S7", "B", 500, 0, 0, 0, 0, 0),
			// turnout 1001/2000 = 50.05 (integer, on the edge); share 601/1001 = 60.04 (integer): in
			st("S8", "B", 2000, 1001, 1000, 1, 601, 399),
			// nobody on the list: out
			st("S9", "B", 0, 3, 3, 0, 2, 1),
		}}
	an, err := Forensics(in, Options{Seed: 42, Replicates: 100})
	if err != nil {
		t.Fatal(err)
	}
	d := an.Doc
	if d.Leader != "c1" || d.StationsTotal != 9 || d.StationsIncluded != 4 {
		t.Fatalf("leader %s total %d included %d", d.Leader, d.StationsTotal, d.StationsIncluded)
	}
	// turnout: S1, S3, S8; share: S1, S5, S8; either: S1, S3, S5, S8
	if d.Integer.Turnout.Observed != 3 || d.Integer.Share.Observed != 3 || d.Integer.Either.Observed != 4 {
		t.Errorf("observed %+v", d.Integer)
	}
	// leader ≥ 100 at S4 (150), S6 (199), S8 (601): digits 0, 9, 1
	if d.LastDigit.Stations != 3 || d.LastDigit.Counts != [10]int{1, 1, 0, 0, 0, 0, 0, 0, 0, 1} {
		t.Errorf("last digit %+v", d.LastDigit)
	}
	// aggregates over every station with results
	reg := int64(200 + 99 + 100 + 200 + 300 + 400 + 500 + 2000 + 0)
	iss := int64(100 + 50 + 99 + 199 + 100 + 200 + 0 + 1001 + 3)
	rec := int64(100 + 50 + 99 + 199 + 100 + 200 + 0 + 1001 + 3)
	lead := int64(60 + 20 + 49 + 150 + 99 + 199 + 0 + 601 + 2)
	if *d.TurnoutPct != Round1(100*float64(iss)/float64(reg)) || *d.LeaderPct != Round1(100*float64(lead)/float64(rec)) {
		t.Errorf("turnout %v leader %v", *d.TurnoutPct, *d.LeaderPct)
	}
	if len(d.Regions) != 2 {
		t.Fatalf("regions %+v", d.Regions)
	}
	a, b := d.Regions[0], d.Regions[1]
	if a.Region != "A" || a.Name != "Alpha" || a.StationsTotal != 3 || a.StationsIncluded != 2 || !a.SmallN ||
		a.Integer.Either.Observed != 2 || a.LastDigit.Stations != 0 || a.LastDigit.P != nil {
		t.Errorf("region A %+v", a)
	}
	if b.Region != "B" || b.Name != "B" || b.StationsTotal != 6 || b.StationsIncluded != 2 || b.LastDigit.Stations != 3 {
		t.Errorf("region B %+v", b)
	}
	// --region narrows the totals too
	nb, _ := Forensics(in, Options{Seed: 42, Replicates: 100, Region: "B"})
	if nb.Doc.StationsTotal != 6 || nb.Doc.StationsIncluded != 2 || nb.Doc.Leader != "c1" || nb.Doc.LastDigit.Stations != 3 ||
		nb.Doc.Integer.Turnout.Observed != 1 || nb.Doc.Integer.Share.Observed != 2 {
		t.Errorf("region B alone %+v", nb.Doc)
	}
}

// The Monte Carlo null against the exact one: with independent stations, the
// expected count is Σ P(station's redrawn percentage is integer) and its variance
// Σ P(1−P), P summed from the binomial probabilities.
func TestReviewMonteCarloMatchesExactNull(t *testing.T) {
	var in Input
	in.Election, in.Version, in.Candidates = "e", "v", []string{"c1", "c2"}
	var eT, vT, eS, vS, eE, vE float64
	for i := range 300 {
		reg := int64(100 + 7*i)
		iss := reg * int64(30+i%60) / 100
		rec := iss
		lead := rec * int64(20+i%70) / 100
		in.Stations = append(in.Stations, Station{Code: fmt.Sprintf("S%d", i), Region: "R", Registered: reg, Issued: iss,
			Valid: rec, Votes: []int64{lead, rec - lead}})
		if !Included(reg, iss, rec, lead) {
			t.Fatalf("station %d not included", i)
		}
		pt := pInteger(reg, float64(iss)/float64(reg))
		ps := pInteger(rec, float64(lead)/float64(rec))
		pe := 1 - (1-pt)*(1-ps)
		eT, vT = eT+pt, vT+pt*(1-pt)
		eS, vS = eS+ps, vS+ps*(1-ps)
		eE, vE = eE+pe, vE+pe*(1-pe)
	}
	an, err := Forensics(in, Options{Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		got      Count
		mean, vr float64
	}{{"turnout", an.Doc.Integer.Turnout, eT, vT}, {"share", an.Doc.Integer.Share, eS, vS}, {"either", an.Doc.Integer.Either, eE, vE}} {
		se := math.Sqrt(c.vr / DefaultReplicates)
		if math.Abs(c.got.Expected-c.mean) > 5*se {
			t.Errorf("%s: expected %v, exact %v (se %v)", c.name, c.got.Expected, c.mean, se)
		}
		if math.Abs(c.got.SD-math.Sqrt(c.vr)) > 0.15*math.Sqrt(c.vr) {
			t.Errorf("%s: sd %v, exact %v", c.name, c.got.SD, math.Sqrt(c.vr))
		}
		if c.got.P999 < c.got.Expected || math.Abs(c.got.Excess-(float64(c.got.Observed)-c.got.Expected)) > 1e-9 {
			t.Errorf("%s: %+v", c.name, c.got)
		}
	}
}

func pInteger(n int64, p float64) float64 {
	b := distuv.Binomial{N: float64(n), P: p}
	var s float64
	for k := int64(0); k <= n; k++ {
		if IsInteger(Percent(k, n)) {
			s += b.Prob(float64(k))
		}
	}
	return s
}

func TestReviewHistogramBins(t *testing.T) {
	var h Histograms
	h.add(1000, 0, 0, 0)      // zero turnout: bin 0; no share
	h.add(1000, 1000, 10, 10) // 100 %: last bin; share 100
	h.add(3, 1, 3, 2)         // 33.33 → 333; 66.67 → 667; fingerprint 33 × 67
	if h.Turnout[0] != 1 || h.Turnout[1000] != 1 || h.Turnout[333] != 1 || h.Share[1000] != 1 || h.Share[667] != 1 {
		t.Error("fine bins wrong")
	}
	if h.Fingerprint[100][100] != 1 || h.Fingerprint[33][67] != 1 || h.Stations != 2 {
		t.Error("fingerprint wrong")
	}
}
