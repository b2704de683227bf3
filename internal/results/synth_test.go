package results

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// synthetic is a clean election: each station's turnout and leader's share drawn
// around a regional mean, the counts then drawn binomially, so that no percentage is
// favoured. roundFrac of the stations (chosen at random) have their turnout and
// share then forced to the nearest whole per cent, as a falsifier writing targets would.
func synthetic(n int, roundFrac float64, seed uint64) Input {
	rng := rand.New(rand.NewPCG(seed, 7))
	in := Input{Election: "synth", Version: "final", Candidates: []string{"c1", "c2", "against_all"},
		RegionNames: map[string]string{}}
	for r := range 10 {
		in.RegionNames[fmt.Sprintf("R%02d", r)] = fmt.Sprintf("Region %d", r)
	}
	for i := range n {
		reg := int64(300 + rng.IntN(2700))
		region := fmt.Sprintf("R%02d", i%10)
		t := math.Min(0.95, math.Max(0.2, 0.6+0.1*rng.NormFloat64()))
		sh := math.Min(0.95, math.Max(0.2, 0.55+0.1*rng.NormFloat64()))
		issued := binom(rng, reg, t)
		invalid := binom(rng, issued, 0.02)
		valid := issued - invalid
		lead := binom(rng, valid, sh)
		if rng.Float64() < roundFrac {
			issued = int64(math.Round(float64(reg) * math.Round(100*t) / 100))
			invalid = 0
			valid = issued
			lead = int64(math.Round(float64(valid) * math.Round(100*sh) / 100))
		}
		rest := valid - lead
		c2 := rest * 2 / 3
		in.Stations = append(in.Stations, Station{Code: fmt.Sprintf("S%06d", i), Region: region, Registered: reg,
			Issued: issued, Valid: valid, Invalid: invalid, Votes: []int64{lead, c2, rest - c2}})
	}
	return in
}

func binom(rng *rand.Rand, n int64, p float64) int64 {
	var k int64
	// a normal draw rounded is enough for building test data (not for the null)
	v := float64(n)*p + math.Sqrt(float64(n)*p*(1-p))*rng.NormFloat64()
	k = int64(math.Round(v))
	return max(0, min(n, k))
}
