// Command loadtest is Observer's load benchmark and crash test (see the README,
// "Load and crash tests"). It only wires flags: the work is in internal/loadtest.
//
//	go run ./cmd/loadtest --duration 30s --clients 64
//	go run ./cmd/loadtest --crash 5
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/observerkz/observer/internal/loadtest"
)

func main() {
	var cfg loadtest.Config
	flag.DurationVar(&cfg.Duration, "duration", 0, "how long the election-day mix runs (default 30s)")
	flag.DurationVar(&cfg.FloorDuration, "floor-duration", 0, "how long each floor and the submit-only phase run (default min(duration, 10s))")
	flag.StringVar(&cfg.Replicate, "replicate", "", "the server replicates to this URL (serve --replicate); the floors run without")
	flag.IntVar(&cfg.Clients, "clients", 64, "concurrent clients (closed loop: each sends its next request when answered)")
	flag.IntVar(&cfg.Stations, "stations", 2000, "polling stations in the fresh database")
	flag.IntVar(&cfg.Observers, "observers", 0, "observer accounts (default 2 per client)")
	flag.IntVar(&cfg.Crashes, "crash", 0, "crash mode: kill -9 the server this many times during the mix, then verify every acknowledged submission")
	floors := flag.Bool("floors", true, "measure the bare-server floors (synchronous NORMAL and FULL) first")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "random seed (default: from the clock; printed)")
	flag.StringVar(&cfg.Dir, "dir", "", "work folder, kept afterwards (default: a temporary one, removed)")
	flag.StringVar(&cfg.Bins.Observer, "bin", "", "use this observer binary instead of building one")
	flag.IntVar(&cfg.Coordinators, "coordinators", 0, "clients that refresh dashboards, statistics and incident lists (0: one in eight; -1: none)")
	flag.DurationVar(&cfg.Refresh, "refresh", time.Second, "each coordinator's pause between refreshes (0: none, a closed loop)")
	flag.Float64Var(&cfg.Paced, "paced", 0.5, "after the closed-loop mix, run it again with observers paced to this share of the steps per second they reached (negative: skip)")
	flag.DurationVar(&cfg.PacedDuration, "paced-duration", 0, "how long the paced mix runs (default: as long as the floors)")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the load generator during the mix to this file, and during the counting-forms-alone phase to FILE.forms")
	flag.Parse()
	cfg.Floors = *floors
	cfg.Out = os.Stdout
	// The load generator shares the two cores with the server it measures: its
	// collector runs at 200 too (as observer serve's and the floor's, unless GOGC
	// is set), so that all three spend their CPU alike on every phase.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if err := res.Check(cfg.Crashes > 0); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("\nloadtest: OK")
}
