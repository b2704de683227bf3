package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/internal/storage"
)

// BenchmarkResultsPage measures the results page of 100,000 stations once its
// forensics document is computed (the first answer, which computes it, is reported
// as cold-s):
//
//	go test ./web -run '^$' -bench ResultsPage -benchtime 20x
func BenchmarkResultsPage(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := storage.Open(ctx, storage.Options{Path: filepath.Join(dir, "bench.db"), DataDir: filepath.Join(dir, "data")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	el, err := st.CreateElection(ctx, "bench", "Bench", "2026-03-15", "", report.User{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tab := &results.Table{Candidates: []string{"c1", "c2", "c3"}}
	for i := range 100_000 {
		reg := int64(300 + rng.IntN(2700))
		issued := int64(float64(reg) * math.Min(0.98, math.Max(0.2, 0.6+0.12*rng.NormFloat64())))
		lead := int64(float64(issued) * math.Min(0.95, math.Max(0.2, 0.55+0.12*rng.NormFloat64())))
		rest := issued - lead
		tab.Rows = append(tab.Rows, results.Row{Station: fmt.Sprintf("%06d", i), Region: fmt.Sprintf("Region %d", i%20),
			Registered: reg, Issued: issued, Valid: issued, Votes: []int64{lead, rest / 2, rest - rest/2}})
	}
	if _, err := st.ImportResults(ctx, el, results.Version{Label: "final"}, tab, true, report.User{}); err != nil {
		b.Fatal(err)
	}
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
	var size int
	get := func() {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/results?election=bench", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
		size = len(body)
	}
	start := time.Now()
	get()
	cold := time.Since(start)
	b.ResetTimer()
	for range b.N {
		get()
	}
	b.StopTimer()
	b.ReportMetric(cold.Seconds(), "cold-s")
	b.ReportMetric(float64(size)/1024, "page-KB")
}
