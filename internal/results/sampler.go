package results

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// sampler draws exact Binomial(n, p) variates by inversion of the distribution's
// table around its mode: the probability at the mode from gonum's Binomial.Prob, its
// neighbours by the ratio p(k+1)/p(k) = (n−k)/(k+1) · p/(1−p), out to where they
// fall below 1e-17. A uniform falling beyond the table (probability below 1e-15)
// draws from gonum's own sampler, conditioned on landing outside it, so the
// distribution is exact. gonum's Binomial.Rand alone costs three log-gamma
// evaluations a draw; a station's table serves all its 1,000 replicates.
type sampler struct {
	n      int64
	p      float64
	lo     int64
	cdf    []float64 // cdf[i] = P(lo ≤ X ≤ lo+i)
	isInt  []bool    // whether 100·(lo+i)/n is an integer percentage
	inside float64   // cdf[len−1]
	pmf    []float64 // scratch
	// guide[j] is the first i with cdf[i] > j/len(guide) (Chen and Asau's guide
	// table): a search starts there and takes a step or two.
	guide []int32
}

const tableFloor = 1e-17

func (s *sampler) reset(n int64, p float64) {
	s.n, s.p = n, p
	s.cdf, s.isInt, s.pmf = s.cdf[:0], s.isInt[:0], s.pmf[:0]
	if p <= 0 || p >= 1 || n == 0 {
		k := int64(0)
		if p >= 1 {
			k = n
		}
		s.lo = k
		s.cdf = append(s.cdf, 1)
		s.isInt = append(s.isInt, n > 0 && IsInteger(Percent(k, n)))
		s.inside = 1
		s.buildGuide()
		return
	}
	mode := int64(math.Floor(float64(n+1) * p))
	mode = min(mode, n)
	pm := distuv.Binomial{N: float64(n), P: p}.Prob(float64(mode))
	odds := p / (1 - p)
	// Left of the mode, walking down, then reversed.
	lo := mode
	v := pm
	for lo > 0 {
		v *= float64(lo) / float64(n-lo+1) / odds
		if v < tableFloor {
			break
		}
		lo--
		s.pmf = append(s.pmf, v)
	}
	// s.pmf holds p(mode−1), p(mode−2), … p(lo): reverse into place.
	for i, j := 0, len(s.pmf)-1; i < j; i, j = i+1, j-1 {
		s.pmf[i], s.pmf[j] = s.pmf[j], s.pmf[i]
	}
	s.pmf = append(s.pmf, pm)
	v = pm
	for k := mode; k < n; k++ {
		v *= float64(n-k) / float64(k+1) * odds
		if v < tableFloor {
			break
		}
		s.pmf = append(s.pmf, v)
	}
	s.lo = lo
	var c float64
	for i, q := range s.pmf {
		c += q
		s.cdf = append(s.cdf, c)
		s.isInt = append(s.isInt, IsInteger(Percent(lo+int64(i), n)))
	}
	s.inside = c
	s.buildGuide()
}

func (s *sampler) buildGuide() {
	n := len(s.cdf)
	s.guide = s.guide[:0]
	i := 0
	for j := range n {
		u := float64(j) / float64(n)
		for i < n-1 && s.cdf[i] <= u {
			i++
		}
		s.guide = append(s.guide, int32(i))
	}
}

// index draws one variate as its place in the table, or -1 with the value itself
// when it lies beyond the table.
func (s *sampler) index(rng *rand.Rand, src rand.Source) (int, int64) {
	u := rng.Float64()
	if u < s.inside {
		// the first i with cdf[i] > u: no earlier than its guide entry
		i := int(s.guide[int(u*float64(len(s.guide)))])
		for s.cdf[i] <= u {
			i++
		}
		return i, s.lo + int64(i)
	}
	last := s.lo + int64(len(s.cdf)) - 1
	b := distuv.Binomial{N: float64(s.n), P: s.p, Src: src}
	for {
		x := int64(b.Rand())
		if x < s.lo || x > last {
			return -1, x
		}
	}
}

// draw is one Binomial(n, p) variate.
func (s *sampler) draw(rng *rand.Rand, src rand.Source) int64 {
	_, x := s.index(rng, src)
	return x
}

// drawInteger draws one variate and reports whether its percentage of n is integer.
func (s *sampler) drawInteger(rng *rand.Rand, src rand.Source) bool {
	i, x := s.index(rng, src)
	if i >= 0 {
		return s.isInt[i]
	}
	return IsInteger(Percent(x, s.n))
}
