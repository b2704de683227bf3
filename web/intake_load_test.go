package web

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/storage"
)

var smsLoadSeconds = flag.Int("sms-load-seconds", 20, "BenchmarkSMSLoad: how long messages are offered")

// BenchmarkSMSLoad offers 300 messages a second from 1,000 observers through 16
// gateway connections to the real server over loopback, each message delivered
// three times (twice under its id, once under a new id, as gateways re-send), for
// -sms-load-seconds. It then checks that every message made exactly one record
// and every delivery of it got that record's number, and reports the webhook's
// latency. Run once: go test ./web/ -run '^$' -bench SMSLoad -benchtime 1x
func BenchmarkSMSLoad(b *testing.B) {
	const rate, conns, observers = 300, 16, 1000
	dir := b.TempDir()
	st, err := storage.Open(context.Background(), storage.Options{Path: filepath.Join(dir, "t.db"), DataDir: filepath.Join(dir, "data")})
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
	ctx := context.Background()
	el, err := st.CreateElection(ctx, "kz-load", "Load", time.Now().Format("2006-01-02"), "", report.User{})
	if err != nil {
		b.Fatal(err)
	}
	var recs []report.StationRecord
	for i := range observers {
		recs = append(recs, report.StationRecord{Code: fmt.Sprintf("%03d-%03d", i/100, i%100), Region: "R", RegionCode: "R"})
	}
	if _, err := st.ImportStations(ctx, el, recs, report.User{}); err != nil {
		b.Fatal(err)
	}
	stationIDs := make([]int64, observers)
	for i := range observers {
		sta, err := st.StationByCode(ctx, el.ID, recs[i].Code)
		if err != nil {
			b.Fatal(err)
		}
		stationIDs[i] = sta.ID
	}
	err = st.Write(ctx, func(tx *storage.Tx) error {
		for i := range observers {
			oid, err := storage.EnsureObserver(tx, fmt.Sprintf("OBS-%04d", i), "R", report.User{})
			if err != nil {
				return err
			}
			if _, err := storage.SetAssignments(tx, oid, el.ID, []int64{stationIDs[i]}, report.User{}); err != nil {
				return err
			}
			if err := storage.SetObserverContact(tx, oid, report.ObserverContact{Phone: fmt.Sprintf("+7701%07d", i)}, report.User{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.AddGateway(ctx, storage.Gateway{Name: "load", Kind: "generic", GatewaySecrets: storage.GatewaySecrets{Secret: "k"}}, report.User{}); err != nil {
		b.Fatal(err)
	}

	type delivery struct {
		msg  int
		body []byte
		at   time.Time
	}
	type answer struct {
		status  int
		records []int64
		latency time.Duration
		late    time.Duration // how long after its due time the delivery was sent
	}
	total := rate * *smsLoadSeconds
	answers := make([][]answer, total)
	var mu sync.Mutex
	queue := make(chan delivery, total*3)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range queue {
				if w := time.Until(d.at); w > 0 {
					time.Sleep(w)
				}
				start := time.Now()
				late := start.Sub(d.at)
				req, _ := http.NewRequest(http.MethodPost, ts.URL+"/intake/sms/load", strings.NewReader(string(d.body)))
				req.Header.Set("X-Observer-Signature", intake.SignGeneric(d.body, "k"))
				resp, err := client.Do(req)
				a := answer{latency: time.Since(start), late: late}
				if err == nil {
					a.status = resp.StatusCode
					var g genericAnswer
					json.NewDecoder(resp.Body).Decode(&g)
					resp.Body.Close()
					a.records = g.Records
				}
				mu.Lock()
				answers[d.msg] = append(answers[d.msg], a)
				mu.Unlock()
			}
		}()
	}
	b.ResetTimer()
	start := time.Now()
	// Deliveries are due at the offered rate; the resends of a message come within
	// two seconds of it, interleaved with other messages'.
	var plan []delivery
	for i := range total {
		at := start.Add(time.Duration(i) * time.Second / rate)
		obs := rand.IntN(observers)
		text := fmt.Sprintf("%03d-%03d !%d bus seen %d", obs/100, obs%100, 1+i%34, i)
		body := func(id string) []byte {
			j, _ := json.Marshal(map[string]string{"id": id, "from": fmt.Sprintf("8 701 %07d", obs), "text": text})
			return j
		}
		id := fmt.Sprintf("m-%d", i)
		plan = append(plan, delivery{i, body(id), at},
			delivery{i, body(id), at.Add(time.Duration(rand.IntN(2000)) * time.Millisecond)},
			delivery{i, body(id + "-again"), at.Add(time.Duration(rand.IntN(2000)) * time.Millisecond)})
	}
	slices.SortStableFunc(plan, func(x, y delivery) int { return x.at.Compare(y.at) })
	for _, d := range plan {
		queue <- d
	}
	close(queue)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	var lat []time.Duration
	var maxLate time.Duration
	lost, doubled, failed := 0, 0, 0
	for i, as := range answers {
		var first []int64
		for _, a := range as {
			lat = append(lat, a.latency)
			maxLate = max(maxLate, a.late)
			if a.status != http.StatusOK || len(a.records) != 1 {
				failed++
				continue
			}
			if first == nil {
				first = a.records
			} else if first[0] != a.records[0] {
				doubled++
			}
		}
		if first == nil {
			lost++
			b.Logf("message %d: no record (%+v)", i, as)
		}
	}
	var incidents, msgs int
	raw := rawDB(b, st)
	raw.QueryRow("SELECT COUNT(*) FROM incidents").Scan(&incidents)
	raw.QueryRow("SELECT COUNT(*) FROM messages").Scan(&msgs)
	raw.Close()
	if incidents != total {
		doubled += max(0, incidents-total)
		lost += max(0, total-incidents)
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	b.ReportMetric(float64(total)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(doubled), "doubled")
	b.Logf("%d messages (%d deliveries) in %v: %d incidents, %d messages stored; lost %d, doubled %d, failed deliveries %d; latency p50 %v p99 %v max %v; the last delivery was sent %v after it was due",
		total, len(lat), elapsed.Round(time.Millisecond), incidents, msgs, lost, doubled, failed, p(0.5), p(0.99), lat[len(lat)-1], maxLate.Round(time.Millisecond))
	if lost > 0 || doubled > 0 || failed > 0 || msgs != total {
		b.Errorf("lost %d, doubled %d, failed %d, %d messages stored for %d sent", lost, doubled, failed, msgs, total)
	}
	if p(0.99) > time.Second {
		b.Errorf("webhook p99 %v, want under 1 s", p(0.99))
	}
}
