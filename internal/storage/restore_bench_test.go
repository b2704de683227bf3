package storage

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/replica"
)

// BenchmarkNationalRestore measures a restore of a national-size database (10,000
// stations, 200,000 observations, 1,000,000 incidents) from a file:// replica, and
// the check restore and backup share:
//
//	go test ./internal/storage -run '^$' -bench NationalRestore -benchtime 1x
//
// OBSERVER_STATS_BENCH_DB reuses a database BenchmarkNationalStats built.
func BenchmarkNationalRestore(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("OBSERVER_STATS_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	_, statErr := os.Stat(path)
	data := strings.TrimSuffix(path, filepath.Ext(path)) + "-data"
	s, err := Open(ctx, Options{Path: path, DataDir: data, Replicating: true})
	if err != nil {
		b.Fatal(err)
	}
	if statErr != nil {
		if _, err := buildNatData(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	t, err := replica.Parse(ctx, "file://"+filepath.Join(dir, "replica"))
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	t0 := time.Now()
	rep, err := replica.Start(ctx, t, s.Path(), s.DataDir(), s.Epoch(), quiet, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := rep.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("first replication (a snapshot of the whole database) took %v", time.Since(t0).Round(time.Millisecond))
	s.Close()
	if err := rep.Close(ctx); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b.ResetTimer()
	for i := range b.N {
		out := filepath.Join(dir, "restored", strings.Repeat("r", i+1)+".db")
		t0 := time.Now()
		if _, err := replica.Restore(ctx, t, out, filepath.Join(dir, "restored-data"), time.Time{}); err != nil {
			b.Fatal(err)
		}
		restore := time.Since(t0)
		t1 := time.Now()
		r, err := CheckDatabase(ctx, out, filepath.Join(dir, "restored-data"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(restore.Milliseconds()), "restore-ms")
		b.ReportMetric(float64(time.Since(t1).Milliseconds()), "check-ms")
		b.Logf("restored %d MB in %v; check %v: %s", fi.Size()>>20, restore.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond), r.Summary())
	}
}
