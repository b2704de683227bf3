package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

// BenchmarkDashboardPage measures the full HTTP answer of the national dashboard
// and of the statistics API, from a warm cache, while submissions keep arriving
// through Store.Write (each an observation and an incident, touching its station):
//
//	go test ./web -run '^$' -bench DashboardPage -benchtime 20x
//
// The data set is built with bulk SQL (one to two minutes) and kept in the temp
// folder for later runs; the cold first answer is reported as cold-ms, the
// background rate as writes/s.
func BenchmarkDashboardPage(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	path := filepath.Join(dir, "bench.db")
	st, err := openBenchElection(ctx, b, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	srv, err := New(Config{BaseURL: "http://bench"}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	var u report.User
	err = st.Write(ctx, func(tx *storage.Tx) error {
		_, err := storage.CreateUser(tx, storage.NewUser{Login: "coord", Password: testPassword, Role: report.RoleCoordinator}, report.User{})
		return err
	})
	if err == nil {
		u, err = st.UserByLogin(ctx, "coord")
	}
	if err != nil {
		b.Fatal(err)
	}
	cookie, err := st.CreateSession(ctx, u, true)
	if err != nil {
		b.Fatal(err)
	}
	token, err := st.CreateAPIToken(ctx, u.ID, report.User{})
	if err != nil {
		b.Fatal(err)
	}
	page := func(path string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		return req
	}
	api := func(path string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req
	}
	fetch := func(req *http.Request) int {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", req.URL.Path, resp.StatusCode)
		}
		return int(n)
	}
	t0 := time.Now()
	size := fetch(page("/dashboard?election=bench"))
	cold := time.Since(t0)
	b.Logf("cold first dashboard %v (%d KB of HTML)", cold.Round(time.Millisecond), size>>10)

	run := func(b *testing.B, mk func() *http.Request, rate int) {
		bg := startBenchWriters(st, rate)
		fetch(mk()) // bring the cache up to date with what arrived meanwhile
		b.ResetTimer()
		c0 := processCPU()
		for range b.N {
			fetch(mk())
		}
		b.StopTimer()
		// The whole process's CPU (server, client and background writers) per
		// answer: on a shared machine it says what the answer costs when wall time
		// says how busy the machine is.
		b.ReportMetric(float64((processCPU()-c0).Microseconds())/1000/float64(b.N), "proc-cpu-ms/op")
		writes, elapsed, err := bg.stop()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
		b.ReportMetric(float64(writes)/elapsed.Seconds(), "writes/s")
	}
	dash := func() *http.Request { return page("/dashboard?election=bench") }
	stats := func() *http.Request { return api("/api/v1/elections/bench/stats") }
	// 100 submissions a second is four times an election day's average of
	// 1.2 million over 14 hours.
	b.Run("dashboard", func(b *testing.B) { run(b, dash, 100) })
	b.Run("api-stats", func(b *testing.B) { run(b, stats, 100) })
	b.Run("dashboard-region", func(b *testing.B) {
		run(b, func() *http.Request { return page("/dashboard?election=bench&region=R07") }, 100)
	})
	// As fast as the writer takes them: the worst case for the cache's refresh.
	b.Run("dashboard-flood", func(b *testing.B) { run(b, dash, 0) })
}

// processCPU is the CPU time the process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchDataVersion names the cached data set; change it when the builder changes.
const benchDataVersion = "v1"

// openBenchElection opens a copy of the built data set at path, building it first
// (a minute or two) when no earlier run left one in the temp folder.
func openBenchElection(ctx context.Context, b *testing.B, path string) (*storage.Store, error) {
	cached := filepath.Join(os.TempDir(), "observer-dashboard-bench-"+benchDataVersion+".db")
	open := func() (*storage.Store, error) {
		return storage.Open(ctx, storage.Options{Path: path, DataDir: filepath.Join(filepath.Dir(path), "data")})
	}
	if err := copyFile(cached, path); err == nil {
		b.Logf("data set reused from %s (delete it to build anew)", cached)
		return open()
	}
	st, err := open()
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := buildBenchElection(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	b.Logf("built %d stations, %d observations, %d incidents in %v", benchStations, benchObservations, benchIncidents,
		time.Since(t0).Round(time.Second))
	// Closing checkpoints the log into the file, which is then copied for later runs.
	if err := st.Close(); err != nil {
		return nil, err
	}
	if err := copyFile(path, cached+".part"); err == nil {
		os.Rename(cached+".part", cached)
	}
	return open()
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchWriters submit an observation and an incident per Write at a steady rate
// (0: as fast as they are taken).
type benchWriters struct {
	quit   chan struct{}
	wg     sync.WaitGroup
	writes atomic.Int64
	start  time.Time
	mu     sync.Mutex
	err    error
}

var benchSeq atomic.Int64

func startBenchWriters(st *storage.Store, rate int) *benchWriters {
	w := &benchWriters{quit: make(chan struct{}), start: time.Now()}
	goroutines, every := 2, time.Duration(0)
	if rate > 0 {
		goroutines, every = 1, time.Second/time.Duration(rate)
	}
	for g := range goroutines {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			next := time.Now()
			for {
				if every > 0 {
					next = next.Add(every)
					time.Sleep(time.Until(next))
				}
				select {
				case <-w.quit:
					return
				default:
				}
				if err := benchSubmit(st, rng); err != nil {
					w.mu.Lock()
					w.err = err
					w.mu.Unlock()
					return
				}
				w.writes.Add(1)
			}
		}()
	}
	return w
}

func benchSubmit(st *storage.Store, rng *rand.Rand) error {
	station := rng.Int64N(benchStations) + 1
	seq := benchSeq.Add(1)
	return st.Write(context.Background(), func(tx *storage.Tx) error {
		now := tx.Now().Format("2006-01-02T15:04:05.000000000Z")
		res, err := tx.Exec(`INSERT INTO observations(election_id, client_id, content_hash, station_id, region_id, district_id,
			phase, assessment, answers, state, created_at, updated_at)
			SELECT 1, ?, '', id, region_id, district_id, 'voting', 'bad', '{"vote_group_voting":"yes"}', 'submitted', ?, ? FROM stations WHERE id = ?`,
			fmt.Sprintf("bg-o-%d", seq), now, now, station)
		if err != nil {
			return err
		}
		obs, _ := res.LastInsertId()
		if _, err := tx.Exec(`INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, district_id,
			phase, category, occurred_at, witnessed, observation_id, status, created_at, updated_at)
			SELECT 1, ?, '', id, region_id, district_id, 'voting', 'group_voting', ?, 1, ?, 'new', ?, ? FROM stations WHERE id = ?`,
			fmt.Sprintf("bg-i-%d", seq), now, obs, now, now, station); err != nil {
			return err
		}
		tx.Touch(station)
		return nil
	})
}

func (w *benchWriters) stop() (int64, time.Duration, error) {
	close(w.quit)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes.Load(), time.Since(w.start), w.err
}
