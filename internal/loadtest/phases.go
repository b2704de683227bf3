package loadtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// runFloor measures the bare server at one synchronous level, on a fresh database
// named after name.
func runFloor(ctx context.Context, cfg Config, bin, dir, sync, name string) (KindStats, error) {
	addr, err := FreeAddr()
	if err != nil {
		return KindStats{}, err
	}
	p, err := Start(ctx, bin, []string{"--db", filepath.Join(dir, "floor-"+name+".db"), "--sync", sync, "--addr", addr},
		addr, filepath.Join(dir, "floor.log"))
	if err != nil {
		return KindStats{}, err
	}
	defer p.Stop()
	var fx Fixture
	for _, r := range stationRecords(cfg.Stations) {
		fx.Stations = append(fx.Stations, r.Code)
	}
	ph := newPhase(p.Base, cfg.Clients, fx, nil)
	workers := make([]worker, cfg.Clients)
	for i := range workers {
		workers[i] = &floorClient{p: ph, name: fmt.Sprintf("floor-%s-%d", sync, i), rnd: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
	}
	cpu := meterCPU(p.PID())
	if err := measure(ctx, ph, workers, cfg.FloorDuration); err != nil {
		return KindStats{}, err
	}
	used := cpu()
	sum := ph.rec.Summary()
	ks := sum.Kind(KindFloor)
	ks.Errors, ks.CPU = sum.Errors, used
	return ks, nil
}

// measure drives the workers for d and stops the clock.
func measure(ctx context.Context, ph *phase, workers []worker, d time.Duration) error {
	mctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	go func() { <-mctx.Done(); ph.gate.release() }()
	ph.rec = NewRecorder()
	err := drive(mctx, workers)
	ph.rec.Stop()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// runSubmitOnly measures durable counting forms alone, with the floors' client loop.
func runSubmitOnly(ctx context.Context, cfg Config, srv *server, ledger *Ledger) (KindStats, Memory, error) {
	ph := newPhase(srv.base, cfg.Clients, srv.fx, ledger)
	var obs []*observer
	workers := make([]worker, cfg.Clients)
	for i := range workers {
		o := newObserver(ph, srv.fx.Observers[i%len(srv.fx.Observers)], fmt.Sprintf("s%d", i), cfg.Seed+uint64(i)*7919)
		obs = append(obs, o)
		workers[i] = &apiObserver{observer: o, onlyForms: true}
	}
	stopMem := sampleMemory(srv)
	stopProfile, err := startProfile(formsProfile(cfg.CPUProfile))
	if err != nil {
		return KindStats{}, Memory{}, err
	}
	cpu := meterCPU(srv.proc.PID())
	err = measure(ctx, ph, workers, cfg.FloorDuration)
	used := cpu()
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	mem := stopMem()
	if err != nil {
		return KindStats{}, mem, err
	}
	sum := ph.rec.Summary()
	ks := sum.Kind(KindAPIObservation)
	ks.Errors, ks.CPU = sum.Errors+drain(ctx, ph, obs), used
	return ks, mem, nil
}

// mixRun is one run of the mix: closed loop, or paced.
type mixRun struct {
	// pace is each observer client's interval between the starts of its requests
	// (0: closed loop, the next request as soon as the last is answered).
	pace   time.Duration
	prefix string // keeps the client ids of runs apart
	label  string
}

// runMix drives the election-day mix, and in crash mode kills the server meanwhile.
func runMix(ctx context.Context, cfg Config, srv *server, ledger *Ledger, res *Result) error {
	mix, submit, reads, err := runMixWith(ctx, cfg, srv, ledger, res, mixRun{prefix: "m", label: "mix"})
	res.Mix, res.MixSubmit, res.MixReads = mix, submit, reads
	return err
}

// runPaced drives the same mix with every observer client paced so that together
// they take rate steps a second: latency below saturation, where a closed loop
// only measures its own queue (64 clients waiting on each other).
func runPaced(ctx context.Context, cfg Config, srv *server, ledger *Ledger, res *Result, rate float64) error {
	observers := cfg.Clients - cfg.Coordinators
	if rate <= 0 || observers <= 0 {
		return nil
	}
	pace := time.Duration(float64(observers) / rate * float64(time.Second))
	c := cfg
	c.Duration, c.CPUProfile, c.Crashes = cfg.PacedDuration, "", 0
	mix, submit, reads, err := runMixWith(ctx, c, srv, ledger, res, mixRun{pace: pace, prefix: "p", label: "paced mix"})
	res.Paced, res.PacedSubmit, res.PacedReads, res.PacedRate = mix, submit, reads, rate
	return err
}

func runMixWith(ctx context.Context, cfg Config, srv *server, ledger *Ledger, res *Result, run mixRun) (Summary, KindStats, KindStats, error) {
	var none KindStats
	ph := newPhase(srv.base, cfg.Clients, srv.fx, ledger)
	nc := cfg.Coordinators
	nf := formClients(cfg.Clients - nc)
	var workers []worker
	var obs []*observer
	var steps atomic.Int64
	for i := range nc {
		c := &coordinator{p: ph, acc: srv.fx.Coordinators[i%len(srv.fx.Coordinators)], browser: ph.sessionClient(),
			rnd: rand.New(rand.NewPCG(cfg.Seed, uint64(1000+i))), pause: cfg.Refresh}
		if err := ph.login(ctx, c.browser, c.acc); err != nil {
			return Summary{}, none, none, err
		}
		workers = append(workers, c)
	}
	if nc > 0 && cfg.Crashes == 0 {
		// On election night coordinators watch all along: one look at the dashboard
		// before the clock starts, so the mix does not begin with a dashboard paying
		// for everything the forms-alone phase sent while nobody was looking.
		if err := warmDashboard(ctx, workers[0].(*coordinator)); err != nil {
			return Summary{}, none, none, err
		}
	}
	for i := range cfg.Clients - nc {
		o := newObserver(ph, srv.fx.Observers[i%len(srv.fx.Observers)], fmt.Sprintf("%s%d", run.prefix, i), cfg.Seed+uint64(i)*104729)
		obs = append(obs, o)
		var w worker = &apiObserver{observer: o}
		if i < nf {
			fw, err := newFormObserver(ctx, o)
			if err != nil {
				return Summary{}, none, none, err
			}
			w = fw
		}
		// Spread the clients' first steps over one interval.
		workers = append(workers, &paced{w: w, every: run.pace, steps: &steps,
			next: time.Now().Add(time.Duration(i) * run.pace / time.Duration(cfg.Clients-nc))})
	}
	refresh := "no pause"
	if cfg.Refresh > 0 {
		refresh = "about every " + cfg.Refresh.String()
	}
	pacing := ""
	if run.pace > 0 {
		pacing = fmt.Sprintf(", each observer starting a step (a form, an incident, a photo…) every %s", run.pace.Round(time.Millisecond))
	}
	fmt.Fprintf(cfg.Out, "%s: %d clients for %s: %d coordinators (dashboard, stats, incident lists; %s), %d observers on the HTML forms, %d on the API%s\n",
		run.label, len(workers), cfg.Duration, nc, refresh, nf, len(workers)-nc-nf, pacing)
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stopMem func() Memory
	var wg sync.WaitGroup
	if cfg.Crashes > 0 {
		res.Crash.Planned = cfg.Crashes
		wg.Add(1)
		go func() {
			defer wg.Done()
			crashLoop(mctx, cancel, cfg, srv, ph, &res.Crash)
		}()
	} else {
		stopMem = sampleMemory(srv)
	}
	stopProfile, err := startProfile(cfg.CPUProfile)
	if err != nil {
		return Summary{}, none, none, err
	}
	err = measure(mctx, ph, workers, cfg.Duration)
	if perr := stopProfile(); perr != nil && err == nil {
		err = perr
	}
	cancel()
	wg.Wait()
	if stopMem != nil {
		res.Memory = stopMem()
	}
	if res.Crash.Err != nil {
		return Summary{}, none, none, res.Crash.Err
	}
	if err != nil && ctx.Err() != nil {
		return Summary{}, none, none, err
	}
	mix := ph.rec.Summary()
	mix.Steps = steps.Load()
	submit := mix.Merge("durable submissions", ph.rec, submitKinds...)
	reads := mix.Merge("coordinator reads", ph.rec, readKinds...)
	res.Crash.DrainErrors += drain(ctx, ph, obs)
	return mix, submit, reads, nil
}

func warmDashboard(ctx context.Context, c *coordinator) error {
	_, base, err := c.p.gate.enter(ctx)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/dashboard", nil)
	if err != nil {
		return err
	}
	resp, err := c.browser.Do(req)
	if err != nil {
		return fmt.Errorf("loadtest: the coordinator's first dashboard: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("loadtest: the coordinator's first dashboard: %s", resp.Status)
	}
	return nil
}

// paced counts an observer client's steps and, with every set, holds it to one
// step per interval, without catching up on intervals its slow answers used up (an
// observer does not send two forms at once).
type paced struct {
	w     worker
	every time.Duration
	next  time.Time
	steps *atomic.Int64
}

func (p *paced) step(ctx context.Context) error {
	p.steps.Add(1)
	if d := time.Until(p.next); p.every > 0 && d > 0 {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
	}
	p.next = time.Now().Add(p.every)
	return p.w.step(ctx)
}

// drain sends every interrupted submission again until it is acknowledged, so that
// each submission a client ever made ends up acknowledged and can be checked. It
// returns how many calls failed.
func drain(ctx context.Context, ph *phase, obs []*observer) int {
	ph.rec = NewRecorder()
	for _, o := range obs {
		for _, s := range o.retries() {
			o.queue = nil
			for attempt := 0; attempt < 5; attempt++ {
				gen, base, err := ph.gate.enter(ctx)
				if err != nil {
					return ph.rec.Summary().Errors + 1
				}
				o.submit(ctx, gen, base, s)
				if len(o.queue) == 0 {
					break
				}
				o.queue = nil
				time.Sleep(100 * time.Millisecond)
			}
		}
		o.queue = nil
	}
	return ph.rec.Summary().Errors
}

// startProfile starts a CPU profile into path (none when path is empty).
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("loadtest: unable to create the profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("loadtest: unable to start the profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// sampleMemory polls the server's VmRSS and VmHWM until the returned func is called,
// which gives the peak.
func sampleMemory(srv *server) func() Memory {
	p := srv.proc
	var mu sync.Mutex
	var peak Memory
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := p.Memory(); err == nil {
				mu.Lock()
				peak.RSS, peak.HWM = max(peak.RSS, m.RSS), max(peak.HWM, m.HWM)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() Memory {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// formsProfile is where the counting-forms-alone phase writes its CPU profile: beside
// the mix's, with ".forms" added (none when the mix has none).
func formsProfile(mix string) string {
	if mix == "" {
		return ""
	}
	return mix + ".forms"
}
