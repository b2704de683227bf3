package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/observerkz/observer/internal/report"
)

// The recording code that files observations and incidents is written elsewhere;
// statistics tests insert rows with plain SQL, as an import or a form would leave them.

type statsFixture struct {
	t        *testing.T
	s        *Store
	election int64
	seq      int
}

func newStatsFixture(t *testing.T) *statsFixture {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{Path: filepath.Join(dir, "stats.db"), DataDir: filepath.Join(dir, "data"), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &statsFixture{t: t, s: s}
	f.write(func(tx *Tx) {
		res, err := tx.exec(`INSERT INTO elections(code, name, date, created_at) VALUES ('kz-2022-presidential', 'Presidential', '2022-11-20', ?)`, fmtTime(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		f.election, _ = res.LastInsertId()
	})
	return f
}

// write runs fn in one transaction of the store's writer.
func (f *statsFixture) write(fn func(tx *Tx)) {
	f.t.Helper()
	if err := f.s.Write(context.Background(), func(tx *Tx) error { fn(tx); return nil }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *statsFixture) insert(tx *Tx, q string, args ...any) int64 {
	f.t.Helper()
	res, err := tx.exec(q, args...)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	id, _ := res.LastInsertId()
	return id
}

func (f *statsFixture) region(tx *Tx, code, name string) int64 {
	return f.insert(tx, `INSERT INTO regions(election_id, code, name) VALUES (?, ?, ?)`, f.election, code, name)
}

func (f *statsFixture) district(tx *Tx, region int64, code, name string) int64 {
	return f.insert(tx, `INSERT INTO districts(region_id, code, name) VALUES (?, ?, ?)`, region, code, name)
}

// station adds a station; district 0 means none.
func (f *statsFixture) station(tx *Tx, region, district int64, code string) int64 {
	var d any
	if district != 0 {
		d = district
	}
	return f.insert(tx, `INSERT INTO stations(election_id, code, name, region_id, district_id) VALUES (?, ?, ?, ?, ?)`,
		f.election, code, "Station "+code, region, d)
}

type obsRow struct {
	station    int64
	phase      report.Phase
	assessment report.Assessment
	answers    map[string]report.Answer
	protocol   *report.Protocol
	draft      bool
	arrived    *time.Time
}

func (f *statsFixture) observation(tx *Tx, o obsRow) int64 {
	f.t.Helper()
	f.seq++
	ans, _ := json.Marshal(o.answers)
	if o.answers == nil {
		ans = []byte("{}")
	}
	var proto any
	if o.protocol != nil {
		b, _ := json.Marshal(o.protocol)
		proto = string(b)
	}
	state := "submitted"
	if o.draft {
		state = "draft"
	}
	now := fmtTime(time.Date(2022, 11, 20, 12, 0, 0, 0, time.UTC))
	return f.insert(tx, `INSERT INTO observations(election_id, client_id, content_hash, station_id, region_id, district_id,
		phase, arrived_at, assessment, answers, protocol, state, created_at, updated_at)
		SELECT ?, ?, '', id, region_id, district_id, ?, ?, ?, ?, ?, ?, ?, ? FROM stations WHERE id = ?`,
		f.election, fmt.Sprintf("obs-%d", f.seq), string(o.phase), fmtTimePtr(o.arrived), string(o.assessment), string(ans), proto, state, now, now, o.station)
}

type incRow struct {
	station     int64
	phase       report.Phase
	category    string
	status      report.Status
	witnessed   bool
	observation int64 // 0: none
	occurred    time.Time
}

func (f *statsFixture) incident(tx *Tx, in incRow) int64 {
	f.t.Helper()
	f.seq++
	if in.status == "" {
		in.status = report.StatusNew
	}
	if in.occurred.IsZero() {
		in.occurred = time.Date(2022, 11, 20, 12, 0, 0, 0, time.UTC)
	}
	var obs any
	if in.observation != 0 {
		obs = in.observation
	}
	now := fmtTime(time.Now())
	return f.insert(tx, `INSERT INTO incidents(election_id, client_id, content_hash, station_id, region_id, district_id,
		phase, category, occurred_at, witnessed, observation_id, status, created_at, updated_at)
		SELECT ?, ?, '', id, region_id, district_id, ?, ?, ?, ?, ?, ?, ?, ? FROM stations WHERE id = ?`,
		f.election, fmt.Sprintf("inc-%d", f.seq), string(in.phase), in.category, fmtTime(in.occurred), in.witnessed, obs,
		string(in.status), now, now, in.station)
}

// compute is the uncached path: tallies from the database, then report.Compute.
func (f *statsFixture) compute(q report.StatsQuery) *report.StatsDocument {
	f.t.Helper()
	ctx := context.Background()
	q.ElectionID = f.election
	if q.Election == "" {
		q.Election = "kz-2022-presidential"
	}
	meta, err := f.s.StationsMeta(ctx, f.election)
	if err != nil {
		f.t.Fatal(err)
	}
	schema, err := f.s.StatsSchema(ctx, f.election)
	if err != nil {
		f.t.Fatal(err)
	}
	tallies, err := f.s.StationTallies(ctx, f.election, nil, q.Window)
	if err != nil {
		f.t.Fatal(err)
	}
	doc, err := report.Compute(q, schema, meta, tallies)
	if err != nil {
		f.t.Fatal(err)
	}
	return doc
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func i64(v int64) *int64 { return &v }
