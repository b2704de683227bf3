// Package loadtest is Observer's own load benchmark and crash test: it builds the
// server, starts it as a separate process on 127.0.0.1 with a fresh database, and
// drives the closing-time burst of election day against it — observers filing
// counting forms, incidents and photos through the API and the HTML forms while
// coordinators refresh dashboards — measuring throughput and latency against two
// floors (a bare one-INSERT-per-request server with and without fsync), and, in crash
// mode, killing the server with SIGKILL at random moments and checking afterwards
// that every acknowledged submission is in the database, complete and once.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Config is one run.
type Config struct {
	// Replicate, when set, has the server replicate to this URL (serve --replicate);
	// the floors run without.
	Replicate     string
	Clients       int
	Duration      time.Duration // the election-day mix
	FloorDuration time.Duration // each floor, and the submit-only phase
	Stations      int
	Observers     int // observer accounts (default 2 per client)
	Crashes       int // crash mode: this many kill -9 during the mix (no floors)
	Floors        bool
	Seed          uint64
	Dir           string   // work folder (default: a new temporary one, removed after)
	Bins          Binaries // pre-built programs (default: go build into the work folder)
	CPUProfile    string   // write a CPU profile of the load generator during the mix here
	// Coordinators is how many clients refresh dashboards (0: one in eight;
	// negative: none, to measure the observers alone).
	Coordinators int
	// Refresh is each coordinator's pause between requests (0: none).
	Refresh time.Duration
	// Paced is the share of the closed-loop mix's observer request rate offered in
	// a second, paced run of the mix (0: half; negative: no paced run), for
	// PacedDuration (default: as long as the floors).
	Paced         float64
	PacedDuration time.Duration
	Out           io.Writer
}

func (c *Config) defaults() {
	c.Clients = max(c.Clients, 1)
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.FloorDuration <= 0 {
		c.FloorDuration = min(c.Duration, 10*time.Second)
	}
	if c.Stations <= 0 {
		c.Stations = 2000
	}
	if c.Observers <= 0 {
		c.Observers = max(2*c.Clients, 8)
	}
	switch {
	case c.Coordinators == 0:
		c.Coordinators = max(1, c.Clients/8)
	case c.Coordinators < 0:
		c.Coordinators = 0
	}
	c.Coordinators = min(c.Coordinators, c.Clients)
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	if c.Paced == 0 {
		c.Paced = 0.5
	}
	if c.PacedDuration <= 0 {
		c.PacedDuration = c.FloorDuration
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
}

// Result is what a run measured and found.
type Result struct {
	FloorNormal, FloorFull KindStats
	// FloorNormalAfter is the NORMAL floor measured again right after the forms
	// alone: on a shared machine the speed drifts between phases, and the forms
	// are compared with the higher of the two.
	FloorNormalAfter    KindStats
	Submit              KindStats // durable counting forms alone, same loop and clients as the floors
	SubmitMemory        Memory
	Mix                 Summary
	MixSubmit, MixReads KindStats
	Memory              Memory // the server's peak during the mix
	// The mix again, each observer client paced to offer PacedRate requests a
	// second in all.
	Paced                   Summary
	PacedSubmit, PacedReads KindStats
	PacedRate               float64
	Crash                   CrashReport
	Verify                  VerifyReport
}

// Errors is every failed request of the run.
func (r Result) Errors() int {
	return r.Mix.Errors + r.Paced.Errors + r.FloorNormal.Errors + r.FloorFull.Errors + r.FloorNormalAfter.Errors +
		r.Submit.Errors + r.Crash.DrainErrors
}

// Run does one run and prints its report to cfg.Out as it goes.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg.defaults()
	var res Result
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "observer-loadtest-")
		if err != nil {
			return res, fmt.Errorf("loadtest: unable to make a work folder: %w", err)
		}
		defer os.RemoveAll(d)
		dir = d
	}
	out := cfg.Out
	fmt.Fprintf(out, "work folder %s; seed %d\n", dir, cfg.Seed)
	if cfg.Crashes > 0 || !cfg.Floors {
		cfg.Bins.Floor = "-" // not needed
	}
	bins, err := Build(ctx, dir, cfg.Bins)
	if err != nil {
		return res, err
	}
	if cfg.Floors && cfg.Crashes == 0 {
		for _, f := range []struct {
			sync string
			into *KindStats
		}{{"NORMAL", &res.FloorNormal}, {"FULL", &res.FloorFull}} {
			if *f.into, err = runFloor(ctx, cfg, bins.Floor, dir, f.sync, strings.ToLower(f.sync)); err != nil {
				return res, err
			}
			fmt.Fprintf(out, "floor synchronous=%-6s %8.1f inserts/s  p50 %s  p99 %s  errors %d\n    %s\n",
				f.sync, f.into.PerSec, ms(f.into.P50), ms(f.into.P99), f.into.Errors, f.into.CPU.PerRequest(f.into.Count))
		}
	}
	srv, err := newServer(ctx, cfg, bins.Observer, dir)
	if err != nil {
		return res, err
	}
	defer srv.stop()
	fmt.Fprintf(out, "fixture: %d stations, %d observers, %d coordinators; server %s at %s\n",
		len(srv.fx.Stations), len(srv.fx.Observers), len(srv.fx.Coordinators), srv.describe(), srv.base)
	ledger := NewLedger()
	if cfg.Crashes == 0 {
		if res.Submit, res.SubmitMemory, err = runSubmitOnly(ctx, cfg, srv, ledger); err != nil {
			return res, err
		}
		fmt.Fprintf(out, "durable counting forms alone: %8.1f/s  p50 %s  p99 %s  errors %d  (server RSS peak %s)\n    %s\n",
			res.Submit.PerSec, ms(res.Submit.P50), ms(res.Submit.P99), res.Submit.Errors, mb(res.SubmitMemory.HWM),
			res.Submit.CPU.PerRequest(res.Submit.Count))
		if cfg.Floors {
			if res.FloorNormalAfter, err = runFloor(ctx, cfg, bins.Floor, dir, "NORMAL", "normal-again"); err != nil {
				return res, err
			}
			f := res.FloorNormalAfter
			fmt.Fprintf(out, "floor synchronous=NORMAL again %8.1f inserts/s  p50 %s  p99 %s  errors %d\n    %s\n",
				f.PerSec, ms(f.P50), ms(f.P99), f.Errors, f.CPU.PerRequest(f.Count))
		}
	}
	if err := runMix(ctx, cfg, srv, ledger, &res); err != nil {
		return res, err
	}
	if cfg.Crashes == 0 && cfg.Paced > 0 {
		rate := cfg.Paced * float64(res.Mix.Steps) / res.Mix.Elapsed.Seconds()
		if err := runPaced(ctx, cfg, srv, ledger, &res, rate); err != nil {
			return res, err
		}
	}
	if err := srv.stop(); err != nil {
		return res, err
	}
	res.Verify, err = Verify(ctx, srv.db, srv.data, ledger)
	if err != nil {
		return res, err
	}
	printResult(out, cfg, res)
	return res, nil
}

// Check says what of the run's targets were missed (nil: all met).
func (r Result) Check(crash bool) error {
	var errs []error
	if n := r.Errors(); n > 0 {
		errs = append(errs, fmt.Errorf("%d requests failed", n))
	}
	if !r.Verify.OK() {
		errs = append(errs, fmt.Errorf("verification failed: %d missing, %d incomplete, %d duplicates, audit %q, integrity %q",
			r.Verify.Missing, r.Verify.Incomplete, r.Verify.Duplicates, r.Verify.AuditError, r.Verify.Integrity))
	}
	if crash && r.Crash.Crashes < r.Crash.Planned {
		errs = append(errs, fmt.Errorf("only %d of %d crashes happened", r.Crash.Crashes, r.Crash.Planned))
	}
	return errors.Join(errs...)
}

// formClients is how many of the observer clients use the HTML forms rather than the
// API: about one in four, and at least one when there are two or more.
func formClients(observers int) int { return (observers + 2) / 4 }
