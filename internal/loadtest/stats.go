package loadtest

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"
)

// Kind names one sort of request in the report (e.g. "api observation").
type Kind string

// Recorder collects every request's latency by kind. A closed loop at a few thousand
// requests a second for half a minute is a few hundred thousand samples: keeping them
// all costs a few MB and gives exact percentiles.
type Recorder struct {
	mu     sync.Mutex
	start  time.Time
	end    time.Time
	kinds  map[Kind]*series
	errs   []string // first few error messages, for the report
	nErr   int
	broken int // requests cut off by a deliberate crash (not errors)
}

type series struct {
	lat    []time.Duration
	errors int
}

// NewRecorder starts the clock.
func NewRecorder() *Recorder {
	return &Recorder{start: time.Now(), kinds: map[Kind]*series{}}
}

func (r *Recorder) series(k Kind) *series {
	s := r.kinds[k]
	if s == nil {
		s = &series{}
		r.kinds[k] = s
	}
	return s
}

// OK records a successful request.
func (r *Recorder) OK(k Kind, d time.Duration) {
	r.mu.Lock()
	r.series(k).lat = append(r.series(k).lat, d)
	r.mu.Unlock()
}

// Fail records a failed request with what went wrong.
func (r *Recorder) Fail(k Kind, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.series(k).errors++
	r.nErr++
	if len(r.errs) < 10 {
		r.errs = append(r.errs, fmt.Sprintf("%s: %v", k, err))
	}
}

// Interrupted records a request cut off by a deliberate kill of the server.
func (r *Recorder) Interrupted() {
	r.mu.Lock()
	r.broken++
	r.mu.Unlock()
}

// Stop ends the measured interval.
func (r *Recorder) Stop() {
	r.mu.Lock()
	if r.end.IsZero() {
		r.end = time.Now()
	}
	r.mu.Unlock()
}

// KindStats is the summary of one kind of request.
type KindStats struct {
	Kind     Kind
	Count    int
	Errors   int
	PerSec   float64
	P50, P99 time.Duration
	Max      time.Duration
	CPU      CPUUse // set for the floors and the forms-alone phase
}

// Summary is the outcome of one measured interval.
type Summary struct {
	Elapsed     time.Duration
	Steps       int64 // observer clients' steps (a step is one to a few requests)
	Kinds       []KindStats
	Errors      int
	ErrorSample []string
	Interrupted int
}

// Summary computes the percentiles. Call after Stop.
func (r *Recorder) Summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.end
	if end.IsZero() {
		end = time.Now()
	}
	sum := Summary{Elapsed: end.Sub(r.start), Errors: r.nErr, ErrorSample: slices.Clone(r.errs), Interrupted: r.broken}
	secs := sum.Elapsed.Seconds()
	for k, s := range r.kinds {
		lat := slices.Clone(s.lat)
		slices.Sort(lat)
		ks := KindStats{Kind: k, Count: len(lat), Errors: s.errors, P50: Percentile(lat, 50), P99: Percentile(lat, 99)}
		if len(lat) > 0 {
			ks.Max = lat[len(lat)-1]
		}
		if secs > 0 {
			ks.PerSec = float64(len(lat)) / secs
		}
		sum.Kinds = append(sum.Kinds, ks)
	}
	sort.Slice(sum.Kinds, func(i, j int) bool { return sum.Kinds[i].Kind < sum.Kinds[j].Kind })
	return sum
}

// Kind returns the stats of one kind (zero when none were recorded).
func (s Summary) Kind(k Kind) KindStats {
	for _, ks := range s.Kinds {
		if ks.Kind == k {
			return ks
		}
	}
	return KindStats{Kind: k}
}

// Merge sums several kinds into one line (e.g. every durable submission).
func (s Summary) Merge(name Kind, r *Recorder, kinds ...Kind) KindStats {
	r.mu.Lock()
	var lat []time.Duration
	errs := 0
	for _, k := range kinds {
		if se := r.kinds[k]; se != nil {
			lat = append(lat, se.lat...)
			errs += se.errors
		}
	}
	r.mu.Unlock()
	slices.Sort(lat)
	ks := KindStats{Kind: name, Count: len(lat), Errors: errs, P50: Percentile(lat, 50), P99: Percentile(lat, 99)}
	if len(lat) > 0 {
		ks.Max = lat[len(lat)-1]
	}
	if secs := s.Elapsed.Seconds(); secs > 0 {
		ks.PerSec = float64(len(lat)) / secs
	}
	return ks
}

// Percentile returns the p-th percentile (nearest rank) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted)) + 0.9999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Print writes the table of kinds.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "  %-26s %8s %9s %9s %9s %9s %6s\n", "request", "count", "per sec", "p50", "p99", "max", "errors")
	for _, k := range s.Kinds {
		k.Print(w)
	}
	if s.Interrupted > 0 {
		fmt.Fprintf(w, "  (%d requests cut off by the deliberate kills: not errors; the submissions among them were sent again, unchanged)\n", s.Interrupted)
	}
	for _, e := range s.ErrorSample {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

// Print writes one line of the table.
func (k KindStats) Print(w io.Writer) {
	fmt.Fprintf(w, "  %-26s %8d %9.1f %9s %9s %9s %6d\n", k.Kind, k.Count, k.PerSec, ms(k.P50), ms(k.P99), ms(k.Max), k.Errors)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
