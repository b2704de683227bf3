package results

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func TestPercentAndInteger(t *testing.T) {
	for _, c := range []struct {
		x, n int64
		p    float64
		is   bool
	}{
		{100, 200, 50, true},
		{1, 3, 33.333333333333336, false},
		{201, 400, 50.25, false},
		{5001, 10000, 50.01, true}, // within 0.05 of 50
		{1, 2000, 0.05, true},      // exactly 0.05 away counts
		{1011, 2000, 50.55, false}, // 0.45 from 51, 0.55 from 50
		{1999, 2000, 99.95, true},  // 0.05 from 100
		{2, 3000, 0.06666666666666667, false},
	} {
		p := Percent(c.x, c.n)
		if math.Abs(p-c.p) > 1e-12 || IsInteger(p) != c.is {
			t.Errorf("Percent(%d, %d) = %v integer %v, want %v %v", c.x, c.n, p, IsInteger(p), c.p, c.is)
		}
	}
}

func TestIncluded(t *testing.T) {
	for _, c := range []struct {
		reg, iss, rec, lead int64
		want                bool
	}{
		{200, 100, 100, 60, true},
		{99, 50, 50, 20, false},      // fewer than 100 voters
		{100, 99, 99, 50, true},      // turnout exactly 99
		{1000, 991, 991, 500, false}, // turnout 99.1
		{200, 100, 100, 99, true},    // share exactly 99
		{200, 100, 100, 100, false},  // share 100
		{200, 0, 0, 0, false},        // nothing received
	} {
		if got := Included(c.reg, c.iss, c.rec, c.lead); got != c.want {
			t.Errorf("Included(%d, %d, %d, %d) = %v, want %v", c.reg, c.iss, c.rec, c.lead, got, c.want)
		}
	}
}

// smallElection is checkable on paper:
//
//	A: 200 listed, 100 issued (50 %, integer); 100 received, c1 60 (60 %, integer): included
//	B: 300 listed, 200 issued (66.67 %); 200 received, c1 130 (65 %, integer): included
//	C: 50 listed (under 100): not included; c1 35 (under 100: no last digit)
//	D: 1000 listed, 995 issued (99.5 % > 99): not included; c1 500 (last digit 0)
func smallElection() Input {
	return Input{Election: "e", Version: "final", Candidates: []string{"c2", "c1"},
		RegionNames: map[string]string{"N": "North", "S": "South"},
		Stations: []Station{
			{Code: "A", Region: "N", Registered: 200, Issued: 100, Valid: 98, Invalid: 2, Votes: []int64{38, 60}},
			{Code: "B", Region: "N", Registered: 300, Issued: 200, Valid: 200, Invalid: 0, Votes: []int64{70, 130}},
			{Code: "C", Region: "S", Registered: 50, Issued: 40, Valid: 40, Invalid: 0, Votes: []int64{5, 35}},
			{Code: "D", Region: "S", Registered: 1000, Issued: 995, Valid: 990, Invalid: 5, Votes: []int64{490, 500}},
		}}
}

func TestForensicsByHand(t *testing.T) {
	an, err := Forensics(smallElection(), Options{Seed: 42, Replicates: 200})
	if err != nil {
		t.Fatal(err)
	}
	d := an.Doc
	if d.Leader != "c1" || d.StationsTotal != 4 || d.StationsIncluded != 2 || d.Seed != 42 {
		t.Fatalf("leader %s total %d included %d seed %d", d.Leader, d.StationsTotal, d.StationsIncluded, d.Seed)
	}
	// turnout 1335/1550 = 86.129 %; leader 725/1335 = 54.307 %
	if *d.TurnoutPct != 86.1 || *d.LeaderPct != 54.3 {
		t.Errorf("turnout %v leader %v, want 86.1 54.3", *d.TurnoutPct, *d.LeaderPct)
	}
	if d.Integer.Turnout.Observed != 1 || d.Integer.Share.Observed != 2 || d.Integer.Either.Observed != 2 {
		t.Errorf("observed %+v", d.Integer)
	}
	// Last digits: B's 130 and D's 500, both 0. E = 0.2: (2−0.2)²/0.2 + 9·0.2 = 18;
	// P(χ²₉ > 18) = 0.0352.
	ld := d.LastDigit
	if ld.Stations != 2 || ld.Counts != [10]int{2} || math.Abs(ld.Chi2-18) > 1e-9 || ld.P == nil || math.Abs(*ld.P-0.0352) > 0.0005 {
		t.Errorf("last digit %+v p %v", ld, ld.P)
	}
	if len(d.Regions) != 2 || d.Regions[0].Region != "N" || d.Regions[0].Name != "North" {
		t.Fatalf("regions %+v", d.Regions)
	}
	n, s := d.Regions[0], d.Regions[1]
	if n.StationsTotal != 2 || n.StationsIncluded != 2 || !n.SmallN || n.Integer.Share.Observed != 2 || n.LastDigit.Counts[0] != 1 {
		t.Errorf("North %+v", n)
	}
	// South: 1035/1050 = 98.571 %; 535/1035 = 51.691 %
	if s.StationsIncluded != 0 || *s.TurnoutPct != 98.6 || *s.LeaderPct != 51.7 || s.Integer.Either.Expected != 0 {
		t.Errorf("South %+v", s)
	}
	// The null: an included station can draw integer percentages only by chance, and
	// the replicates' counts never exceed the two stations.
	for _, c := range []Count{d.Integer.Either, d.Integer.Share, d.Integer.Turnout} {
		if c.Expected < 0 || c.Expected > 2 || c.P999 > 2 || math.Abs(c.Excess-(float64(c.Observed)-c.Expected)) > 1e-9 {
			t.Errorf("count %+v", c)
		}
	}
	// --region narrows everything, the leader staying the national one.
	an2, err := Forensics(smallElection(), Options{Seed: 42, Replicates: 200, Region: "S"})
	if err != nil {
		t.Fatal(err)
	}
	if an2.Doc.StationsTotal != 2 || len(an2.Doc.Regions) != 1 || an2.Doc.Leader != "c1" || *an2.Doc.TurnoutPct != 98.6 {
		t.Errorf("region S: %+v", an2.Doc)
	}
	// The North region's own document draws what the national one drew for it.
	an3, _ := Forensics(smallElection(), Options{Seed: 42, Replicates: 200, Region: "N"})
	if !reflect.DeepEqual(an3.Doc.Integer, n.Integer) {
		t.Errorf("region N alone %+v, within the nation %+v", an3.Doc.Integer, n.Integer)
	}
}

func TestLeaderChoice(t *testing.T) {
	in := smallElection()
	if i, _ := LeaderIndex(in.Candidates, in.Stations, ""); i != 1 {
		t.Errorf("leader %d", i)
	}
	if i, _ := LeaderIndex(in.Candidates, in.Stations, "C2"); i != 0 {
		t.Errorf("chosen leader %d", i)
	}
	if _, err := Forensics(in, Options{Leader: "nobody"}); err == nil {
		t.Error("an unknown leader was accepted")
	}
	an, _ := Forensics(in, Options{Leader: "c2", Replicates: 10})
	// c2: 38+70+5+490 = 603 of 1335 = 45.169 %
	if an.Doc.Leader != "c2" || *an.Doc.LeaderPct != 45.2 {
		t.Errorf("leader c2: %s %v", an.Doc.Leader, *an.Doc.LeaderPct)
	}
}

func TestNoDigits(t *testing.T) {
	ld := lastDigitOf(aggregate{})
	if ld.P != nil || ld.Chi2 != 0 || ld.Stations != 0 {
		t.Errorf("%+v", ld)
	}
	// 10 stations, one of each digit: chi2 0, p 1.
	chi2, p := ChiSquaredUniform([10]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	if chi2 != 0 || math.Abs(*p-1) > 1e-12 {
		t.Errorf("uniform: %v %v", chi2, *p)
	}
	// 20 stations: counts 4,0,2,2,2,2,2,2,2,2; E = 2: (4+4)/2 = 4.
	chi2, _ = ChiSquaredUniform([10]int{4, 0, 2, 2, 2, 2, 2, 2, 2, 2})
	if chi2 != 4 {
		t.Errorf("chi2 %v, want 4", chi2)
	}
}

func TestCountOf(t *testing.T) {
	c := countOf(5, []float64{4, 1, 3, 2})
	// mean 2.5; population sd √(1.25); p99.9 at 3·0.999 = 2.997 → 3 + 0.997 = 3.997
	if c.Expected != 2.5 || math.Abs(c.SD-math.Sqrt(1.25)) > 1e-4 || math.Abs(c.P999-3.997) > 1e-12 || c.Excess != 2.5 {
		t.Errorf("%+v", c)
	}
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = float64(1000 - i)
	}
	// 1 … 1000: at 999·0.999 = 998.001 → 999 + 0.001
	if q := Quantile(vals, 0.999); math.Abs(q-999.001) > 1e-9 {
		t.Errorf("p99.9 of 1…1000 = %v", q)
	}
}

func TestHistogramBins(t *testing.T) {
	var h Histograms
	h.add(1000, 634, 600, 300) // turnout 63.4, share 50
	h.add(1000, 635, 600, 301) // 63.5 → bin 635; share 50.1667 → 502
	h.add(100, 101, 101, 50)   // turnout 101: over
	if h.Turnout[634] != 1 || h.Turnout[635] != 1 || h.Share[500] != 1 || h.Share[502] != 1 || h.TurnoutOver != 1 {
		t.Errorf("fine bins wrong")
	}
	if h.Fingerprint[63][50] != 1 || h.Fingerprint[64][50] != 1 || h.Stations != 2 {
		t.Errorf("fingerprint wrong") // 63.5 rounds half away from zero to 64
	}
}

// TestSamplerExact compares the sampler's draws with gonum's exact probabilities.
func TestSamplerExact(t *testing.T) {
	for _, c := range []struct {
		n int64
		p float64
	}{{1000, 0.3}, {20, 0.5}, {3000, 0.97}, {150, 0.004}, {5, 1}, {7, 0}} {
		var s sampler
		s.reset(c.n, c.p)
		src := rand.NewPCG(3, 4)
		rng := rand.New(src)
		const draws = 200_000
		hist := map[int64]int{}
		for range draws {
			x := s.draw(rng, src)
			if x < 0 || x > c.n {
				t.Fatalf("n %d p %v: drew %d", c.n, c.p, x)
			}
			hist[x]++
		}
		b := distuv.Binomial{N: float64(c.n), P: c.p}
		// Pearson's chi-squared over the values expected at least 20 times.
		var chi2 float64
		cells := 0
		for k := int64(0); k <= c.n; k++ {
			e := draws * b.Prob(float64(k))
			if e < 20 {
				continue
			}
			d := float64(hist[k]) - e
			chi2 += d * d / e
			cells++
		}
		if cells > 1 {
			crit := distuv.ChiSquared{K: float64(cells - 1)}.Quantile(0.9999)
			if chi2 > crit {
				t.Errorf("n %d p %v: chi2 %.1f over %d cells, above %.1f", c.n, c.p, chi2, cells, crit)
			}
		}
	}
}

func TestForensicsRepeats(t *testing.T) {
	in := synthetic(2000, 0, 5)
	a, _ := Forensics(in, Options{Seed: 7, Replicates: 100, Workers: 1})
	b, _ := Forensics(in, Options{Seed: 7, Replicates: 100, Workers: 2})
	c, _ := Forensics(in, Options{Seed: 8, Replicates: 100, Workers: 2})
	if !reflect.DeepEqual(a.Doc, b.Doc) {
		t.Error("the same seed gave different documents with 1 and 2 workers")
	}
	if reflect.DeepEqual(a.Doc.Integer, c.Doc.Integer) {
		t.Error("another seed gave the same null")
	}
}

// TestIntegerExcessProperty: a clean election shows no integer excess beyond the
// Monte Carlo band; one with 5 % of stations rounded to integer percentages does.
func TestIntegerExcessProperty(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 5_000
	}
	for seed := uint64(1); seed <= 3; seed++ {
		clean, err := Forensics(synthetic(n, 0, seed), Options{Seed: seed, Replicates: 300})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]Count{"either": clean.Doc.Integer.Either, "share": clean.Doc.Integer.Share, "turnout": clean.Doc.Integer.Turnout} {
			if float64(c.Observed) > c.Expected+4*c.SD {
				t.Errorf("clean election %d, %s: observed %d, expected %.1f ± %.1f", seed, name, c.Observed, c.Expected, c.SD)
			}
		}
		dirty, _ := Forensics(synthetic(n, 0.05, seed), Options{Seed: seed, Replicates: 300})
		c := dirty.Doc.Integer.Either
		if float64(c.Observed) <= c.P999 || c.Excess < 0.03*float64(n) {
			t.Errorf("5 %% rounded, seed %d: observed %d, expected %.1f, p99.9 %.1f", seed, c.Observed, c.Expected, c.P999)
		}
	}
}

func TestNarrowIsRegionDocument(t *testing.T) {
	in := synthetic(3000, 0.02, 9)
	all, _ := Forensics(in, Options{Seed: 42, Replicates: 50})
	for _, region := range []string{"R03", "NOPE"} {
		alone, _ := Forensics(in, Options{Seed: 42, Replicates: 50, Region: region})
		if !reflect.DeepEqual(all.Narrow(region).Doc, alone.Doc) {
			t.Errorf("%s: narrowed %+v\nalone %+v", region, all.Narrow(region).Doc, alone.Doc)
		}
	}
}
