package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// BenchmarkWritePath measures the durable write path without HTTP: counting forms
// saved with Store.SaveObservation from 64 goroutines, as the API handlers call it.
// Profile it with
//
//	go test ./internal/loadtest -run '^$' -bench WritePath -cpuprofile cpu.out
//	go tool pprof -top internal/loadtest.test cpu.out
func BenchmarkWritePath(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+sync, func(b *testing.B) { benchmarkWritePath(b, sync) })
	}
}

func benchmarkWritePath(b *testing.B, sync string) {
	ctx := context.Background()
	dir := b.TempDir()
	db, data := filepath.Join(dir, "observer.db"), filepath.Join(dir, "data")
	fx, err := Setup(ctx, SetupOptions{DB: db, DataDir: data, Stations: 2000, Observers: 8, Coordinators: 1})
	if err != nil {
		b.Fatal(err)
	}
	st, err := storage.Open(ctx, storage.Options{Path: db, DataDir: data, Synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	el, err := st.ElectionByCode(ctx, fx.Election)
	if err != nil {
		b.Fatal(err)
	}
	users := make([]report.User, len(fx.Observers))
	for i, a := range fx.Observers {
		if users[i], err = st.UserByLogin(ctx, a.Login); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0))) // 64 goroutines in all, like 64 clients
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		g := n.Add(1)
		rnd := rand.New(rand.NewPCG(uint64(g), 1))
		for pb.Next() {
			i := int(n.Add(1))
			acc := fx.Observers[i%len(fx.Observers)]
			form := newCountingForm(rnd, fmt.Sprintf("bench-%d", i), acc.Stations[i%len(acc.Stations)])
			o, fe := report.DecodeObservationLine(mustJSON(form))
			if fe != nil {
				b.Error(fe)
				return
			}
			o.ElectionID = el.ID
			if _, created, err := st.SaveObservation(ctx, o, users[i%len(users)]); err != nil || !created {
				b.Errorf("save: created %v, %v", created, err)
				return
			}
		}
	})
}

// BenchmarkAPIPath is the same counting form through the whole server, built and
// started as its own process as in a load run (64 client goroutines over HTTP on
// loopback): with WritePath it shows what HTTP, sign-in by token, JSON decoding
// and the answer add to the write. It reports the server's CPU per form.
func BenchmarkAPIPath(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	bins, err := Build(ctx, dir, Binaries{Floor: "-"})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := newServer(ctx, Config{Stations: 2000, Observers: 8, Coordinators: 1}, bins.Observer, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.stop()
	ph := newPhase(srv.base, 64, srv.fx, NewLedger())
	var n atomic.Int64
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	cpu := meterCPU(srv.proc.PID())
	b.RunParallel(func(pb *testing.PB) {
		g := n.Add(1)
		o := newObserver(ph, srv.fx.Observers[int(g)%len(srv.fx.Observers)], fmt.Sprintf("b%d", g), uint64(g))
		for pb.Next() {
			s := o.observationSubmission(newCountingForm(o.rnd, o.nextClientID(), o.station()))
			if _, out := ph.send(ctx, 0, srv.base, s.rq); out != succeeded {
				b.Error(ph.rec.Summary().ErrorSample)
				return
			}
		}
	})
	b.StopTimer()
	if u := cpu(); u.OK {
		b.ReportMetric(float64(u.Server.Microseconds())/float64(b.N), "server-cpu-µs/op")
	}
}

// reportCPU resets the benchmark's timer and returns the function that reports the
// process's CPU time (user and system) per operation as cpu-µs/op: on two shared
// cores, wall time says how busy the machine was, CPU time what a form costs.
func reportCPU(b *testing.B) func() {
	b.ResetTimer()
	start := processCPU()
	return func() {
		b.StopTimer()
		b.ReportMetric(float64((processCPU()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// processCPU is the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
