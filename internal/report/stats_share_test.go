package report

import (
	"encoding/json"
	"testing"
)

func TestWilsonKnownValues(t *testing.T) {
	// Values from statistics.md's example and checked against R's prop.test(correct=FALSE).
	cases := []struct {
		k, n   int
		lo, hi Percent
	}{
		{81, 100, 72.2, 87.5},
		{15, 79, 11.9, 29.0},
		{65, 115, 47.4, 65.2},
		{8, 120, 3.4, 12.6},
		{10, 111, 5.0, 15.8},
		{0, 10, 0.0, 27.8},
		{10, 10, 72.2, 100.0},
		{1, 2, 9.5, 90.5},
	}
	for _, c := range cases {
		s := newShare(c.k, c.n, 30)
		if s.ci == nil || s.ci[0] != c.lo || s.ci[1] != c.hi {
			t.Errorf("Wilson(%d/%d) = %v, want [%v, %v]", c.k, c.n, s.ci, c.lo, c.hi)
		}
	}
}

func TestWilsonStaysInRange(t *testing.T) {
	for n := 1; n <= 60; n++ {
		for k := 0; k <= n; k++ {
			lo, hi := Wilson(k, n)
			p := 100 * float64(k) / float64(n)
			if lo < 0 || hi > 100 || lo > p+1e-9 || hi < p-1e-9 {
				t.Fatalf("Wilson(%d/%d) = [%v, %v] does not hold %v within [0, 100]", k, n, lo, hi, p)
			}
		}
	}
}

func TestPctRoundsHalfAwayFromZero(t *testing.T) {
	cases := []struct {
		k, n int
		want Percent
	}{
		{65, 115, 56.5},
		{15, 79, 19.0},
		{81, 100, 81.0},
		{10, 111, 9.0},
		{49, 980, 5.0},
		{8, 120, 6.7},
		{1, 8, 12.5},
		{1, 16, 6.3},   // 6.25
		{1, 80, 1.3},   // 1.25
		{3, 2000, 0.2}, // 0.15, which a float64 holds as 0.1499…
		{21, 2000, 1.1},
		{1, 3, 33.3},
		{2, 3, 66.7},
		{-1, 16, -6.3},
	}
	for _, c := range cases {
		if got := PctTenths(c.k, c.n); got != c.want {
			t.Errorf("PctTenths(%d, %d) = %v, want %v", c.k, c.n, got, c.want)
		}
	}
	if got := round1(-0.25); got != -0.3 {
		t.Errorf("round1(-0.25) = %v, want -0.3", got)
	}
}

func TestWholePercentHalfUp(t *testing.T) {
	cases := []struct{ k, n, want int }{
		{1, 8, 13}, // 12.5
		{65, 115, 57},
		{49, 980, 5},
		{0, 7, 0},
		{7, 7, 100},
		{1, 200, 1}, // 0.5
		{1, 201, 0},
	}
	for _, c := range cases {
		if got, ok := WholePercent(c.k, c.n); !ok || got != c.want {
			t.Errorf("WholePercent(%d, %d) = %d, %v; want %d", c.k, c.n, got, ok, c.want)
		}
	}
	if _, ok := WholePercent(0, 0); ok {
		t.Error("WholePercent(0, 0) should not be ok")
	}
}

func TestSmallNAndNullShares(t *testing.T) {
	s := newShare(5, 12, 30)
	if !s.smallN || s.pct == nil || *s.pct != 41.7 {
		t.Errorf("5 of 12: %+v", s)
	}
	if !ShowAsCount(12, 0) || ShowAsCount(30, 30) || !ShowAsCount(29, 30) {
		t.Error("ShowAsCount: threshold is exclusive, 0 means the default 30")
	}
	z := newShare(0, 0, 30)
	if z.pct != nil || z.ci != nil {
		t.Errorf("denominator 0 must give null shares, got %+v", z)
	}
	b, err := json.Marshal(CheckStats{})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"flagged":0,"n":0,"pct":null,"ci95":null,"small_n":false}` {
		t.Errorf("empty check JSON = %s", b)
	}
}

func TestPercentJSONHasOneDecimal(t *testing.T) {
	p := Percent(81)
	iv := Interval{72.2, 87.5}
	b, err := json.Marshal(struct {
		P  *Percent  `json:"p"`
		N  *Percent  `json:"n"`
		CI *Interval `json:"ci"`
	}{&p, nil, &iv})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"p":81.0,"n":null,"ci":[72.2,87.5]}` {
		t.Errorf("got %s", b)
	}
	var back struct{ P Percent }
	if err := json.Unmarshal([]byte(`{"P": 56.5}`), &back); err != nil || back.P != 56.5 {
		t.Errorf("Percent must read back: %v %v", back.P, err)
	}
}

func TestFractionKey(t *testing.T) {
	cases := []struct {
		k, n int
		want string
	}{
		{0, 115, "none"},
		{115, 115, "all"},
		{3, 115, "few"},
		{11, 115, "about_tenth"},
		{23, 115, "about_fifth"},
		{29, 115, "about_quarter"},
		{38, 115, "about_third"},
		{50, 115, "over_third"},
		{55, 115, "almost_half"},
		{50, 100, "half"},
		{65, 115, "more_than_half"},
		{503, 1000, "more_than_half"}, // rounds to 50%, but is over half
		{497, 1000, "almost_half"},
		{77, 115, "about_two_thirds"},
		{86, 115, "about_three_quarters"},
		{97, 115, "most"},
		{110, 115, "almost_all"},
		{999, 1000, "almost_all"}, // rounds to 100%, but not all
	}
	for _, c := range cases {
		if got := FractionKey(c.k, c.n); got != "stats.fraction."+c.want {
			t.Errorf("FractionKey(%d, %d) = %s, want %s", c.k, c.n, got, c.want)
		}
	}
}

func TestDescribeShare(t *testing.T) {
	p := DescribeShare(SentenceNegative(PhaseCounting), 65, 115, 30)
	want := Phrase{Key: "stats.negative.counting", Count: 115, Fraction: "stats.fraction.more_than_half", K: 65, Pct: 57}
	if p != want {
		t.Errorf("got %+v, want %+v", p, want)
	}
	p = DescribeShare(SentenceNegative(PhaseTabulation), 5, 12, 30)
	want = Phrase{Key: "stats.negative.tabulation.k_of_n", Count: 12, K: 5, Pct: 42}
	if p != want {
		t.Errorf("small n: got %+v, want %+v", p, want)
	}
	if p := DescribeShare(SentenceShare, 0, 0, 30); p.Key != SentenceNoObservations {
		t.Errorf("no observations: got %+v", p)
	}
}
