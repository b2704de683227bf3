package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// Scale of the national benchmark: the design card's election day.
const (
	natRegions      = 20
	natDistricts    = 200 // 10 per region
	natStations     = 10000
	natObservations = 200000 // 20 per station, 5 per phase
	natIncidents    = 1000000
)

// BenchmarkNationalStats measures the national statistics document from a warm
// cache while incidents keep arriving through Store.Write with Touch:
//
//	go test ./internal/storage -run '^$' -bench NationalStats -benchtime 20x
//
// The data is built once per run (in a temp dir) with bulk SQL; the cold load of
// the cache is reported as cold-load-ms (wall) and cold-load-cpu-ms, the background
// write rate as writes/s. Set OBSERVER_STATS_BENCH_DB to a file path to keep the
// built database there and reuse it on the next run (the background writes add to it).
func BenchmarkNationalStats(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("OBSERVER_STATS_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	_, statErr := os.Stat(path)
	s, err := Open(ctx, Options{Path: path, DataDir: strings.TrimSuffix(path, filepath.Ext(path)) + "-data"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	election := int64(1)
	if statErr != nil {
		t0, c0 := time.Now(), processCPU()
		if election, err = buildNatData(ctx, s); err != nil {
			b.Fatal(err)
		}
		b.Logf("built %d stations, %d observations, %d incidents in %v (%v CPU)", natStations, natObservations, natIncidents,
			time.Since(t0).Round(time.Millisecond), (processCPU() - c0).Round(time.Millisecond))
	}

	cache := report.NewStatsCache(s)
	s.OnCommit(cache.Invalidate)
	q := report.StatsQuery{ElectionID: election, Election: "bench"}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0, c0 := time.Now(), processCPU()
	doc, err := cache.Document(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	cold, coldCPU := time.Since(t0), processCPU()-c0
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	heapMB := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
	b.Logf("cold load %v, cache heap %.0f MB; counting: %d forms, %d stations, %d regions in the breakdown",
		cold.Round(time.Millisecond), heapMB, doc.Phases.Counting.Observations, doc.Phases.Counting.Stations, len(doc.Breakdown)-1)

	run := func(b *testing.B, encode bool) {
		runtime.GC() // the garbage of the cold load is not the warm path's
		bg := startNatWriters(s, 4)
		b.ResetTimer()
		c0 := processCPU()
		for range b.N {
			doc, err := cache.Document(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			if encode {
				if _, err := json.Marshal(doc); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		cpu := processCPU() - c0
		writes, elapsed, err := bg.stop()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cold.Milliseconds()), "cold-load-ms")
		b.ReportMetric(float64(coldCPU.Milliseconds()), "cold-load-cpu-ms")
		b.ReportMetric(heapMB, "cache-MB")
		b.ReportMetric(float64(writes)/elapsed.Seconds(), "writes/s")
		b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
		// The whole process's CPU, background writers included, per document.
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "proc-cpu-ms/op")
	}
	b.Run("document", func(b *testing.B) { run(b, false) })
	b.Run("document+json", func(b *testing.B) { run(b, true) })
}

// processCPU is the CPU time the process has used (user and system): on a shared
// machine it says what the work costs when wall time says how busy the machine is.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// natWriters submit incidents one per Write, each touching its station, as
// observers' phones would during the day.
type natWriters struct {
	quit   chan struct{}
	wg     sync.WaitGroup
	writes atomic.Int64
	start  time.Time
	mu     sync.Mutex
	err    error
}

var natSeq atomic.Int64

// natRun keeps client ids unique when a kept database is benchmarked again.
var natRun = time.Now().UnixNano()

func startNatWriters(s *Store, n int) *natWriters {
	w := &natWriters{quit: make(chan struct{}), start: time.Now()}
	for g := range n {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			for {
				select {
				case <-w.quit:
					return
				default:
				}
				st := rng.Int64N(natStations) + 1
				seq := natSeq.Add(1)
				err := s.Write(context.Background(), func(tx *Tx) error {
					now := fmtTime(tx.Now())
					if _, err := tx.exec(`INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, district_id,
						phase, category, occurred_at, witnessed, observation_id, status, created_at, updated_at)
						SELECT 1, ?, '', id, region_id, district_id, 'voting', 'carousel_voting', ?, 1, ?, 'new', ?, ? FROM stations WHERE id = ?`,
						fmt.Sprintf("bg-%d-%d", natRun, seq), now, st+natStations, now, now, st); err != nil {
						return err
					}
					tx.Touch(st)
					return nil
				})
				if err != nil {
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

func (w *natWriters) stop() (int64, time.Duration, error) {
	close(w.quit)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes.Load(), time.Since(w.start), w.err
}

// buildNatData fills a fresh database in one transaction: stations and
// incidents by recursive SQL, observations (JSON answers and protocols) from Go.
// The indexes of the two big tables are dropped first and rebuilt at the end,
// which is far faster than maintaining them row by row.
func buildNatData(ctx context.Context, s *Store) (int64, error) {
	// A page cache that holds the whole build keeps SQLite from spilling the
	// transaction to the WAL page by page; the writer gets its default back after.
	// The generated rows are consistent by construction, so the build skips the
	// three foreign-key lookups per incident too.
	if _, err := s.rw.ExecContext(ctx, "PRAGMA cache_size = -1048576"); err != nil {
		return 0, err
	}
	if _, err := s.rw.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return 0, err
	}
	defer s.rw.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	defer s.rw.ExecContext(ctx, "PRAGMA cache_size = -2000")
	tx, err := s.rw.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	indexes, err := natDropIndexes(ctx, tx, "observations", "incidents")
	if err != nil {
		return 0, err
	}
	const created = "2022-11-20T00:00:00.000000000Z"
	steps := []string{
		`INSERT INTO elections(id, code, name, date, created_at) VALUES (1, 'bench', 'Benchmark', '2022-11-20', '` + created + `')`,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO regions(id, election_id, code, name) SELECT i, 1, printf('R%%02d', i), printf('Region %%d', i) FROM n`, natRegions),
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO districts(id, region_id, code, name) SELECT i, (i - 1) / %d + 1, printf('D%%03d', i), printf('District %%d', i) FROM n`,
			natDistricts, natDistricts/natRegions),
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO stations(id, election_id, code, name, region_id, district_id)
			SELECT i, 1, printf('%%05d', i), printf('Polling station %%d', i), ((i - 1) / %d) / %d + 1, (i - 1) / %d + 1 FROM n`,
			natStations, natStations/natDistricts, natDistricts/natRegions, natStations/natDistricts),
	}
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("%.60s: %w", q, err)
		}
	}
	if err := insertNatObservations(ctx, tx); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, natIncidentsSQL()); err != nil {
		return 0, fmt.Errorf("incidents: %w", err)
	}
	for _, idx := range indexes {
		if _, err := tx.ExecContext(ctx, idx); err != nil {
			return 0, fmt.Errorf("%s: %w", idx, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	_, err = s.rw.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return 1, err
}

func natDropIndexes(ctx context.Context, tx *sql.Tx, tables ...string) ([]string, error) {
	var names, defs []string
	for _, t := range tables {
		rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, t)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				rows.Close()
				return nil, err
			}
			names, defs = append(names, name), append(defs, def)
		}
		rows.Close()
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+n+`"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// insertNatObservations writes observation o (1…200,000) at station
// (o−1) mod 10,000 + 1 in phase ((o−1) / 10,000) mod 4, with answers drawn so that
// follow-ups follow their triggers, and a protocol on most counting forms.
func insertNatObservations(ctx context.Context, tx *sql.Tx) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO observations(id, election_id, client_id, content_hash, station_id, region_id, district_id,
		phase, arrived_at, assessment, answers, protocol, state, created_at, updated_at)
		VALUES (?, 1, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	rng := rand.New(rand.NewPCG(7, 11))
	pick := []report.Answer{report.AnswerYes, report.AnswerNo, report.AnswerNo, report.AnswerNo, report.AnswerNA, ""}
	perDistrict := natStations / natDistricts
	for o := 1; o <= natObservations; o++ {
		st := (o-1)%natStations + 1
		district := (st-1)/perDistrict + 1
		region := (district-1)/(natDistricts/natRegions) + 1
		phase := report.Phases[((o-1)/natStations)%4]
		answers := map[string]report.Answer{}
		for _, q := range report.StandardChecklist(phase).Questions {
			if q.IsFollowUp() && answers[q.Parent] != q.Trigger {
				continue
			}
			if a := pick[rng.IntN(len(pick))]; a != "" {
				answers[q.Code] = a
			}
		}
		ans, _ := json.Marshal(answers)
		var proto any
		if phase == report.PhaseCounting && rng.IntN(10) > 0 {
			voted := 500 + rng.Int64N(1000)
			p := report.Protocol{RegisteredVoters: i64(voted + rng.Int64N(600) - 50), VotersVoted: i64(voted),
				HomeboundRequests: i64(rng.Int64N(40)), BallotsMobile: i64(rng.Int64N(45)), BallotsInvalid: i64(rng.Int64N(20)),
				Votes: map[string]int64{"c1": voted / 2, "c2": voted / 3, "against_all": voted / 10}}
			p.BallotsStationary = i64(voted - *p.BallotsMobile + rng.Int64N(20) - 15)
			b, _ := json.Marshal(p)
			proto = string(b)
		}
		arrived := fmt.Sprintf("2022-11-20T%02d:%02d:00.000000000Z", 6+rng.IntN(14), rng.IntN(60))
		assessment := report.Assessments[rng.IntN(4)]
		if _, err := stmt.ExecContext(ctx, o, fmt.Sprintf("o%d", o), st, region, district, string(phase), arrived,
			string(assessment), string(ans), proto, arrived, arrived); err != nil {
			return fmt.Errorf("observation %d: %w", o, err)
		}
	}
	return nil
}

// natIncidentsSQL inserts the incidents in one statement. x is a multiplicative
// hash of the row number, from which station, phase, category, witness, status
// and time are drawn; a witnessed incident is attached to one of the five forms of
// its station and phase.
func natIncidentsSQL() string {
	var cats strings.Builder
	cats.WriteString("CASE (x / 40000) % " + fmt.Sprint(len(report.Categories)))
	for i, c := range report.Categories {
		fmt.Fprintf(&cats, " WHEN %d THEN '%s'", i, c.Code)
	}
	cats.WriteString(" END")
	return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d),
		h AS (SELECT i, (i * 2654435761) %% 4294967296 AS x FROM n),
		d AS (SELECT i, x, x %% %d + 1 AS st, (x / %d) %% 4 AS ph, CASE WHEN (x / 1400000) %% 10 < 6 THEN 1 ELSE 0 END AS w FROM h)
		INSERT INTO incidents(id, election_id, client_id, content_hash, station_id, region_id, district_id, phase, category,
			occurred_at, witnessed, observation_id, status, created_at, updated_at)
		SELECT i, 1, 'i' || i, '', st, ((st - 1) / %d) / %d + 1, (st - 1) / %d + 1,
			CASE ph WHEN 0 THEN 'opening' WHEN 1 THEN 'voting' WHEN 2 THEN 'counting' ELSE 'tabulation' END,
			%s,
			printf('2022-11-20T%%02d:%%02d:00.000000000Z', 6 + (x / 17) %% 14, (x / 19) %% 60),
			w, CASE WHEN w = 1 THEN st + %d * (ph + 4 * ((x / 7) %% 5)) END,
			CASE WHEN (x / 13) %% 10 < 6 THEN 'new' WHEN (x / 13) %% 10 < 9 THEN 'verified' ELSE 'rejected' END,
			'2022-11-20T12:00:00.000000000Z', '2022-11-20T12:00:00.000000000Z'
		FROM d`,
		natIncidents, natStations, natStations,
		natStations/natDistricts, natDistricts/natRegions, natStations/natDistricts,
		cats.String(), natStations)
}
