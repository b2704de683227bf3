package results

import (
	"hash/fnv"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// mcStation is an included station as the Monte Carlo null redraws it.
type mcStation struct {
	code                                 string
	registered, issued, received, leader int64
	group                                int // its region's group (0 is the whole scope)
}

// monteCarlo draws the integer test's null: in each replicate every included station
// draws leader' ~ Binomial(received, leader/received) and issued' ~
// Binomial(registered, issued/registered), and the three counts are taken for the
// whole scope and each region. It returns, per replicate, the counts of every group
// (groups × nCounts).
//
// Stations are drawn one at a time, all replicates in a row, so each station's two
// samplers are built once (sampler.go). A station draws from its own PCG stream,
// keyed by the seed and its code: a run repeats exactly whatever the number of
// workers, and a region's document draws what the national one draws for it.
func monteCarlo(sts []mcStation, groups int, seed uint64, replicates, workers int) [][]int32 {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	width := groups * nCounts
	total := make([]int32, replicates*width)
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	const chunk = 64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts := make([]int32, replicates*width)
			var si, sl sampler
			for {
				start := int(next.Add(chunk) - chunk)
				if start >= len(sts) {
					break
				}
				for _, s := range sts[start:min(start+chunk, len(sts))] {
					src := rand.NewPCG(seed, streamOf(s.code))
					rng := rand.New(src)
					si.reset(s.registered, float64(s.issued)/float64(s.registered))
					sl.reset(s.received, float64(s.leader)/float64(s.received))
					for r := range replicates {
						t := si.drawInteger(rng, src)
						sh := sl.drawInteger(rng, src)
						if !t && !sh {
							continue
						}
						for _, g := range [2]int{0, s.group} {
							base := r*width + g*nCounts
							if t {
								counts[base+kTurnout]++
							}
							if sh {
								counts[base+kShare]++
							}
							counts[base+kEither]++
						}
					}
				}
			}
			mu.Lock()
			for i, c := range counts {
				total[i] += c
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	reps := make([][]int32, replicates)
	for r := range reps {
		reps[r] = total[r*width : (r+1)*width]
	}
	return reps
}

// streamOf is a station's PCG stream number.
func streamOf(code string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(code))
	return h.Sum64()
}
